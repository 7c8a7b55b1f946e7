/** PohToken events: balances, supply, burns, allowances and the emission minter. */
import { ponder } from "ponder:registry";
import { tokenAccount, tokenAllowance } from "ponder:schema";
import { zeroAddress } from "viem";
import { lower, updateNetwork } from "./store.ts";

ponder.on("PohToken:Transfer", async ({ event, context }) => {
  const { db } = context;
  const { value } = event.args;
  const from = lower(event.args.from);
  const to = lower(event.args.to);
  if (from !== zeroAddress) {
    await db
      .insert(tokenAccount)
      .values({ id: from, balance: -value })
      .onConflictDoUpdate((r) => ({ balance: r.balance - value }));
  }
  if (to !== zeroAddress) {
    await db
      .insert(tokenAccount)
      .values({ id: to, balance: value })
      .onConflictDoUpdate((r) => ({ balance: r.balance + value }));
  }
  if (from === zeroAddress || to === zeroAddress) {
    await updateNetwork(db, event.block, (n) => ({
      tokenSupply: n.tokenSupply + (from === zeroAddress ? value : 0n) - (to === zeroAddress ? value : 0n),
      tokenBurned: n.tokenBurned + (to === zeroAddress ? value : 0n),
    }));
  }
});

ponder.on("PohToken:Approval", async ({ event, context }) => {
  const owner = lower(event.args.owner);
  const spender = lower(event.args.spender);
  await context.db
    .insert(tokenAllowance)
    .values({ id: `${owner}-${spender}`, owner, spender, amount: event.args.value })
    .onConflictDoUpdate({ amount: event.args.value });
});

ponder.on("PohToken:EmissionSet", async ({ event, context }) => {
  await updateNetwork(context.db, event.block, () => ({ emissionMinter: lower(event.args.emission) }));
});
