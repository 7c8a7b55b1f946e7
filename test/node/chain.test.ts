import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { parseEther, parseGwei } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { pohCoordinatorAbi, pohTokenAbi } from "../../generated/abis.ts";
import { Chain, RevertError } from "../../oracle/src/chain/index.ts";
import { FatalError, RetryableError } from "../../oracle/src/errors.ts";
import { NodeMetrics } from "../../oracle/src/metrics/index.ts";
import { deployProtocol, rpc, startChain, type DeployedProtocol } from "../helpers/devnet.ts";

describe("transaction sender against a real chain", { timeout: 180_000 }, () => {
  let chain: Awaited<ReturnType<typeof startChain>>;
  let deployment: DeployedProtocol;
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: "debug" }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });

  before(async () => {
    chain = await startChain({ port: 23600 });
    deployment = await deployProtocol(chain.rpcUrl);
  });
  after(async () => {
    await chain?.stop();
  });

  const make = (opts: Partial<{ gasLimitCap: bigint; maxGasPrice: bigint; txStuckMs: number }> = {}, metrics = new NodeMetrics({ defaultMetrics: false })) =>
    new Chain(
      { rpcUrl: chain.rpcUrl, maxGasPrice: opts.maxGasPrice ?? parseGwei("500"), gasLimitCap: opts.gasLimitCap ?? 5_000_000n, txStuckMs: opts.txStuckMs ?? 30_000, pollMs: 100 },
      privateKeyToAccount(deployment.accounts[5]!.privateKey),
      { logger, metrics, signal: new AbortController().signal },
    );

  it("decodes a revert by its custom error name and does not send it", async () => {
    const metrics = new NodeMetrics({ defaultMetrics: false });
    const c = make({}, metrics);
    const before = await c.client.getTransactionCount({ address: c.address });
    await assert.rejects(
      c.send("commit", { address: deployment.contracts.PohCoordinator.address, abi: pohCoordinatorAbi, functionName: "commit", args: [42n, `0x${"11".repeat(32)}`] }),
      (e: unknown) => e instanceof RevertError && e.errorName === "UnknownJob" && e.errorArgs[0] === 42n && !e.retryable,
    );
    assert.equal(await c.client.getTransactionCount({ address: c.address }), before);
    assert.match(await metrics.registry.metrics(), /poh_transactions_reverted_total\{error="UnknownJob"\} 1/);
    assert.ok(lines.some((l) => l.msg === "transaction would revert; not sent" && l.error === "UnknownJob"));
  });

  it("refuses a transaction whose gas estimate is above the cap", async () => {
    const c = make({ gasLimitCap: 21_000n });
    await assert.rejects(
      c.send("approve", { address: deployment.contracts.PohToken.address, abi: pohTokenAbi, functionName: "approve", args: [deployment.deployer.address, 1n] }),
      (e: unknown) => e instanceof FatalError && /exceeds the cap POH_GAS_LIMIT_CAP=21000/.test(e.message),
    );
  });

  it("waits when the base fee is above POH_MAX_GAS_PRICE", async () => {
    const c = make({ maxGasPrice: 1n });
    await assert.rejects(
      c.send("approve", { address: deployment.contracts.PohToken.address, abi: pohTokenAbi, functionName: "approve", args: [deployment.deployer.address, 1n] }),
      (e: unknown) => e instanceof RetryableError && /above POH_MAX_GAS_PRICE=1/.test(e.message),
    );
  });

  it("replaces a stuck transaction with higher fees (same nonce) and returns the mined one", async () => {
    const c = make({ txStuckMs: 1000 });
    await rpc(chain.rpcUrl, "evm_setAutomine", [false]);
    try {
      const nonce = await c.client.getTransactionCount({ address: c.address });
      const sending = c.send("approve", { address: deployment.contracts.PohToken.address, abi: pohTokenAbi, functionName: "approve", args: [deployment.deployer.address, parseEther("1")] });
      // Let it sit unmined past txStuckMs, then mine.
      const sent = () => lines.filter((l) => l.msg === "transaction sent" && l.kind === "approve" && l.nonce === nonce);
      for (let i = 0; i < 100 && sent().length < 2; i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(sent().length >= 2, "a replacement was broadcast");
      assert.ok(BigInt(String(sent()[1]!.maxFeePerGas)) > BigInt(String(sent()[0]!.maxFeePerGas)), "with a higher fee");
      await rpc(chain.rpcUrl, "hardhat_mine", ["0x1"]);
      const receipt = await sending;
      assert.equal(receipt.status, "success");
      assert.equal(await c.client.getTransactionCount({ address: c.address }), nonce + 1, "only one of them was mined");
      const tx = await c.client.getTransaction({ hash: receipt.transactionHash });
      assert.equal(tx.maxFeePerGas, BigInt(String(sent().at(-1)!.maxFeePerGas)), "the replacement was mined");
    } finally {
      await rpc(chain.rpcUrl, "evm_setAutomine", [true]);
    }
  });

  it("finishes a transaction already broadcast when shutdown is requested", async () => {
    const controller = new AbortController();
    const c = new Chain(
      { rpcUrl: chain.rpcUrl, maxGasPrice: parseGwei("500"), gasLimitCap: 5_000_000n, txStuckMs: 30_000, pollMs: 100 },
      privateKeyToAccount(deployment.accounts[6]!.privateKey),
      { logger, metrics: new NodeMetrics({ defaultMetrics: false }), signal: controller.signal },
    );
    await rpc(chain.rpcUrl, "evm_setAutomine", [false]);
    try {
      const sending = c.send("approve", { address: deployment.contracts.PohToken.address, abi: pohTokenAbi, functionName: "approve", args: [deployment.deployer.address, 7n] });
      const from = c.address;
      // Wait until it sits in the mempool, then ask for shutdown before it is mined.
      const latest = await c.client.getTransactionCount({ address: from });
      for (let i = 0; i < 200 && (await c.client.getTransactionCount({ address: from, blockTag: "pending" })) === latest; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(await c.client.getTransactionCount({ address: from, blockTag: "pending" }), latest + 1);
      controller.abort();
      await new Promise((r) => setTimeout(r, 300));
      await rpc(chain.rpcUrl, "hardhat_mine", ["0x1"]);
      const receipt = await sending;
      assert.equal(receipt.status, "success");
      assert.equal(await c.client.readContract({ address: deployment.contracts.PohToken.address, abi: pohTokenAbi, functionName: "allowance", args: [from, deployment.deployer.address] }), 7n);
    } finally {
      await rpc(chain.rpcUrl, "evm_setAutomine", [true]);
    }
  });

  it("retries RPC failures with backoff and counts them", async () => {
    const metrics = new NodeMetrics({ defaultMetrics: false });
    const c = new Chain({ rpcUrl: "http://127.0.0.1:23601", maxGasPrice: 1n, gasLimitCap: 1n, txStuckMs: 1000, pollMs: 100 }, undefined, { logger, metrics, signal: new AbortController().signal });
    await assert.rejects(c.call("eth_blockNumber", () => c.client.getBlockNumber(), 3), (e: unknown) => e instanceof RetryableError && /after 3 attempts/.test(e.message));
    assert.match(await metrics.registry.metrics(), /poh_rpc_errors_total 3/);
  });
});
