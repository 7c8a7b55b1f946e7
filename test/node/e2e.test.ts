import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseEther } from "viem";
import { modelRegistryAbi, pohCoordinatorAbi, pohStakingAbi, pohTokenAbi } from "../../generated/abis.ts";
import { clients, mine } from "../helpers/devnet.ts";
import { minerActions, getJob, humanPayload, payloadHash, payloadServer, requestJob, ROOT, settledMembers, setupNet, startNode, waitJobEnded, writeConfig, type Net, type NodeProc } from "./harness.ts";

/** Runs `poh <args>` and returns its exit code and output. */
function poh(args: string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(join(ROOT, "node_modules/.bin/node"), [join(ROOT, "oracle/bin/poh.js"), ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("three miners serve a job end to end", { timeout: 400_000 }, () => {
  let net: Net;
  let server: Awaited<ReturnType<typeof payloadServer>>;
  const nodes: NodeProc[] = [];
  const payload = humanPayload(7);
  let configs: string[] = [];

  before(async () => {
    net = await setupNet({ port: 23100, commitWindow: 40, revealWindow: 40 });
    server = await payloadServer(23101, { "/s1": payload });
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await server?.stop();
    await net?.stop();
  });

  it("finalises with the agreed score and pays the members", async () => {
    configs = net.miners.map((_, i) => writeConfig(net, `m${i}`, i === 0 ? { metricsPort: 23102 } : {}));
    for (const [i, m] of net.miners.entries()) nodes.push(startNode(configs[i]!, m.privateKey));
    await Promise.all(nodes.map((n) => n.waitFor((l) => l.msg === "miner started", 60_000)));
    const { jobId } = await requestJob(net, `${server.url}/s1`, payloadHash(payload));
    const job = await waitJobEnded(net, jobId, 120_000);
    assert.equal(job.status, 2, `job failed with reason ${job.failure}`);
    assert.equal(job.revealCount, 3);
    const scores = await Promise.all(nodes.map((n) => n.waitFor((l) => l.msg === "scored", 1000).then((l) => l.score as number)));
    assert.equal(new Set(scores).size, 1, `scores differ: ${scores.join(",")}`);
    assert.equal(job.result, scores[0]);
    // Every member Agreed and was paid.
    const settled = await settledMembers(net, jobId);
    assert.deepEqual(settled.map((m) => m.miner).sort(), net.miners.map((m) => m.address).sort());
    for (const m of settled) {
      assert.equal(m.outcome, "Agreed");
      assert.ok(m.reward > 0n);
    }
    const slashes = await net.publicClient.getContractEvents({ address: net.deployment.contracts.PohStaking.address, abi: pohStakingAbi, eventName: "Slashed", fromBlock: 0n });
    assert.equal(slashes.length, 0);
    // Each node logs its own reveal once its receipt arrives.
    await Promise.all(nodes.map((n) => n.waitFor((l) => l.msg === "revealed" && l.jobId === jobId.toString(), 20_000)));
    assert.equal((await getJob(net, jobId)).status, 2);
  });

  it("serves /metrics and /healthz", async () => {
    const metrics = await (await fetch("http://127.0.0.1:23102/metrics")).text();
    for (const line of ["poh_jobs_seen_total 1", "poh_jobs_committed_total 1", "poh_jobs_revealed_total 1", "poh_inference_seconds_count 1"]) {
      assert.ok(metrics.includes(`\n${line}\n`), `missing "${line}"`);
    }
    // Transient RPC errors depend on the machine's load, not on the node: the counter must be
    // exported with a count, whatever it is.
    assert.match(metrics, /\npoh_rpc_errors_total \d+\n/);
    const health = await fetch("http://127.0.0.1:23102/healthz");
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { ok: boolean }).ok, true);
    // Logs never carry the key or the telemetry.
    const key = net.miners[0]!.privateKey.slice(2);
    for (const n of nodes) for (const l of n.logs) {
      const text = JSON.stringify(l);
      assert.ok(!text.includes(key) && !text.includes('"events"'), `leaked: ${text}`);
    }
  });

  it("poh status, withdraw, stake, unbond and claim work against the chain", async () => {
    const m0 = net.miners[0]!;
    const env0 = { POH_PRIVATE_KEY: m0.privateKey };
    let r = poh(["status", "--json", "--config", configs[0]!], env0);
    assert.equal(r.status, 0, r.stderr);
    const status = JSON.parse(r.stdout) as Record<string, string | number>;
    assert.equal(status.activeStake, "10000");
    assert.equal(status.served, 1);
    assert.equal(status.agreed, 1);
    assert.equal(status.jobsInFlight, 0);
    assert.ok(Number(status.claimableFees) > 0);

    // With only POH_COORDINATOR, the other addresses are read from the chain.
    const bare = poh(["status", "--json", m0.address], { POH_RPC_URL: net.chain.rpcUrl, POH_COORDINATOR: net.deployment.contracts.PohCoordinator.address });
    assert.equal(bare.status, 0, bare.stderr);
    assert.deepEqual(JSON.parse(bare.stdout), status);

    const before = await net.publicClient.getBalance({ address: m0.address });
    r = poh(["withdraw", "--config", configs[0]!], env0);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /withdrew [\d.]+ in fees/);
    assert.ok((await net.publicClient.getBalance({ address: m0.address })) > before - parseEther("0.001"));
    const coordinator = net.deployment.contracts.PohCoordinator.address;
    assert.equal(await net.publicClient.readContract({ address: coordinator, abi: pohCoordinatorAbi, functionName: "claimable", args: [m0.address] }), 0n);

    // A new miner stakes from the CLI.
    const fresh = net.deployment.accounts[12]!;
    const admin = clients(net.chain.rpcUrl, net.deployment.deployer.privateKey);
    await admin.publicClient.waitForTransactionReceipt({
      hash: await admin.walletClient.writeContract({ address: net.deployment.contracts.PohToken.address, abi: pohTokenAbi, functionName: "transfer", args: [fresh.address, parseEther("2000")] }),
    });
    const envF = { POH_PRIVATE_KEY: fresh.privateKey };
    r = poh(["stake", "abc", "--config", configs[0]!], envF);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /AMOUNT: expected a positive POH amount/);
    r = poh(["stake", "1500", "--config", configs[0]!], envF);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /staked 1500 POH .*active stake 1500 POH/);
    r = poh(["unbond", "400", "--config", configs[0]!], envF);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /unbonding 400 POH/);
    r = poh(["withdraw", "--config", configs[0]!], envF);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /400 POH still unbonding/);
    const info = await net.publicClient.readContract({ address: net.deployment.contracts.PohStaking.address, abi: pohStakingAbi, functionName: "stakeOf", args: [fresh.address] });
    assert.equal(info.active, parseEther("1100"));
    r = poh(["unbond", "5000", "--config", configs[0]!], envF);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /InvalidUnbondAmount/);
    // Unstake it again so the committee draw below stays among the three running miners.
    await admin.publicClient.waitForTransactionReceipt({ hash: await clients(net.chain.rpcUrl, fresh.privateKey).walletClient.writeContract({ address: net.deployment.contracts.PohStaking.address, abi: pohStakingAbi, functionName: "requestUnbond", args: [parseEther("1100")] }) });

    // Emission: end epoch 0, then claim it.
    r = poh(["claim", "--config", configs[0]!], env0);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /no emission to claim/);
    await mine(net.chain.rpcUrl, 7300);
    const balance = await net.publicClient.readContract({ address: net.deployment.contracts.PohToken.address, abi: pohTokenAbi, functionName: "balanceOf", args: [m0.address] });
    r = poh(["claim", "--config", configs[0]!], env0);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /claimed [\d.]+ POH for epochs 0/);
    assert.ok((await net.publicClient.readContract({ address: net.deployment.contracts.PohToken.address, abi: pohTokenAbi, functionName: "balanceOf", args: [m0.address] })) > balance);
  });

  it("serves the highest fee first when jobs exceed its capacity", async () => {
    // SIGTERM: a clean exit that keeps state.
    const stopped = nodes.splice(0);
    assert.deepEqual(await Promise.all(stopped.map((n) => n.stop("SIGTERM"))), [0, 0, 0]);
    for (const n of stopped) assert.ok(n.logs.some((l) => l.msg === "miner stopped; state kept"));
    const fees = [parseEther("0.01"), parseEther("0.03"), parseEther("0.02")];
    const jobs: bigint[] = [];
    for (const fee of fees) jobs.push((await requestJob(net, `${server.url}/s1`, payloadHash(payload), fee)).jobId);
    // Restart on the same data dirs (journal replay) with room for one job per round.
    for (const [i, m] of net.miners.entries()) nodes.push(startNode(writeConfig(net, `m${i}`, { maxJobsPerRound: 1 }), m.privateKey));
    for (const id of jobs) assert.equal((await waitJobEnded(net, id, 120_000)).status, 2);
    const committed = await minerActions(net, "Committed", { miner: net.miners[0]!.address });
    const order = committed.map((e) => e.jobId).filter((id) => jobs.includes(id));
    assert.deepEqual(order, [jobs[1], jobs[2], jobs[0]]);
  });

  it("skips jobs for another model and refuses to mine with a mismatching model", async () => {
    const admin = clients(net.chain.rpcUrl, net.deployment.deployer.privateKey);
    const registry = net.deployment.contracts.ModelRegistry.address;
    await admin.publicClient.waitForTransactionReceipt({
      hash: await admin.walletClient.writeContract({ address: registry, abi: modelRegistryAbi, functionName: "addModel", args: [`0x${"ab".repeat(32)}`, 1, "other-model"] }),
    });
    const otherId = await net.publicClient.readContract({ address: registry, abi: modelRegistryAbi, functionName: "modelCount" });
    const { walletClient } = clients(net.chain.rpcUrl, net.requester.privateKey);
    await net.publicClient.waitForTransactionReceipt({
      hash: await walletClient.writeContract({
        address: net.deployment.contracts.PohCoordinator.address,
        abi: pohCoordinatorAbi,
        functionName: "requestVerification",
        args: [otherId, payloadHash(payload), `${server.url}/s1`, "0x0000000000000000000000000000000000000000", 0],
        value: parseEther("0.01"),
      }),
    });
    for (const n of nodes) await n.waitFor((l) => l.msg === "job names a model we do not have; skipping" && l.modelId === otherId, 30_000);
    const r = poh(["node", "--config", configs[1]!], { POH_PRIVATE_KEY: net.miners[1]!.privateKey, POH_MODEL_ID: String(otherId) });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /model mismatch: the registry's model 2 has sha256 abab.* refusing to mine/);
  });
});
