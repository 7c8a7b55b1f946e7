/**
 * Governance events of all five contracts: OpenZeppelin access control (roles and the two-step
 * default-admin transfer), the coordinator's pause switch and the token's EIP-712 domain. Each is
 * one governance_event row; role grants and revocations also keep role_member current, and
 * Paused/Unpaused set network.coordinatorPaused. Also the coordinator's and the staking
 * contract's ParameterChanged/TreasuryChanged (parameter_change rows, network treasuries).
 */
import { ponder } from "ponder:registry";
import { governanceEvent, parameterChange, roleMember } from "ponder:schema";
import { hexToString, keccak256, toHex, zeroHash } from "viem";
import { type Db, lower, updateNetwork } from "./store.ts";

/** Role ids the contracts define, by name (DEFAULT_ADMIN_ROLE is zero). */
const ROLE_NAMES = new Map<string, string>([
  [zeroHash, "DEFAULT_ADMIN_ROLE"],
  ...["GOVERNOR_ROLE", "PAUSER_ROLE"].map((name) => [keccak256(toHex(name)), name] as [string, string]),
]);

/** The name of a role id, or null for one no contract of ours defines. */
export function roleName(role: `0x${string}`): string | null {
  return ROLE_NAMES.get(role.toLowerCase()) ?? null;
}

type Meta = {
  id: string;
  block: { number: bigint; timestamp: bigint };
  log: { logIndex: number };
  transaction: { hash: `0x${string}` };
};
type Row = {
  kind: string;
  role?: `0x${string}`;
  account?: `0x${string}`;
  sender?: `0x${string}`;
  detail?: Record<string, string | null>;
};

async function record(db: Db, contract: string, event: Meta, row: Row): Promise<void> {
  await db.insert(governanceEvent).values({
    id: event.id,
    contract,
    kind: row.kind,
    role: row.role ?? null,
    roleName: row.role ? roleName(row.role) : null,
    account: row.account ? lower(row.account) : null,
    sender: row.sender ? lower(row.sender) : null,
    detail: row.detail ?? {},
    blockNumber: event.block.number,
    logIndex: event.log.logIndex,
    timestamp: event.block.timestamp,
    txHash: event.transaction.hash,
  });
}

const memberId = (contract: string, role: `0x${string}`, account: `0x${string}`) => `${contract}-${role.toLowerCase()}-${lower(account)}`;

// One registration per contract and event: Ponder's event names are typed literals, so the five
// contracts are spelled out through a helper rather than a loop over strings.
function accessControl<C extends "PohCoordinator" | "PohStaking" | "ModelRegistry" | "PohEmission" | "PohToken">(contract: C): void {
  ponder.on(`${contract}:RoleGranted` as `PohCoordinator:RoleGranted`, async ({ event, context }) => {
    const { role, account, sender } = event.args;
    await record(context.db, contract, event, { kind: "RoleGranted", role, account, sender });
    await context.db
      .insert(roleMember)
      .values({
        id: memberId(contract, role, account),
        contract,
        role,
        roleName: roleName(role),
        account: lower(account),
        grantedBy: lower(sender),
        grantedAtBlock: event.block.number,
        grantedAt: event.block.timestamp,
      })
      .onConflictDoNothing();
  });
  ponder.on(`${contract}:RoleRevoked` as `PohCoordinator:RoleRevoked`, async ({ event, context }) => {
    const { role, account, sender } = event.args;
    await record(context.db, contract, event, { kind: "RoleRevoked", role, account, sender });
    await context.db.delete(roleMember, { id: memberId(contract, role, account) });
  });
  ponder.on(`${contract}:RoleAdminChanged` as `PohCoordinator:RoleAdminChanged`, async ({ event, context }) => {
    const { role, previousAdminRole, newAdminRole } = event.args;
    await record(context.db, contract, event, {
      kind: "RoleAdminChanged",
      role,
      detail: { previousAdminRole, newAdminRole, newAdminRoleName: roleName(newAdminRole) },
    });
  });
  ponder.on(`${contract}:DefaultAdminTransferScheduled` as `PohCoordinator:DefaultAdminTransferScheduled`, async ({ event, context }) => {
    const { newAdmin, acceptSchedule } = event.args;
    await record(context.db, contract, event, { kind: "DefaultAdminTransferScheduled", account: newAdmin, detail: { acceptSchedule: acceptSchedule.toString() } });
  });
  ponder.on(`${contract}:DefaultAdminTransferCanceled` as `PohCoordinator:DefaultAdminTransferCanceled`, async ({ event, context }) => {
    await record(context.db, contract, event, { kind: "DefaultAdminTransferCanceled" });
  });
  ponder.on(`${contract}:DefaultAdminDelayChangeScheduled` as `PohCoordinator:DefaultAdminDelayChangeScheduled`, async ({ event, context }) => {
    const { newDelay, effectSchedule } = event.args;
    await record(context.db, contract, event, { kind: "DefaultAdminDelayChangeScheduled", detail: { newDelay: newDelay.toString(), effectSchedule: effectSchedule.toString() } });
  });
  ponder.on(`${contract}:DefaultAdminDelayChangeCanceled` as `PohCoordinator:DefaultAdminDelayChangeCanceled`, async ({ event, context }) => {
    await record(context.db, contract, event, { kind: "DefaultAdminDelayChangeCanceled" });
  });
}

for (const contract of ["PohCoordinator", "PohStaking", "ModelRegistry", "PohEmission", "PohToken"] as const) accessControl(contract);

ponder.on("PohCoordinator:Paused", async ({ event, context }) => {
  await record(context.db, "PohCoordinator", event, { kind: "Paused", account: event.args.account });
  await updateNetwork(context.db, event.block, () => ({ coordinatorPaused: true }));
});

ponder.on("PohCoordinator:Unpaused", async ({ event, context }) => {
  await record(context.db, "PohCoordinator", event, { kind: "Unpaused", account: event.args.account });
  await updateNetwork(context.db, event.block, () => ({ coordinatorPaused: false }));
});

ponder.on("PohToken:EIP712DomainChanged", async ({ event, context }) => {
  await record(context.db, "PohToken", event, { kind: "EIP712DomainChanged" });
});

/** Decodes a bytes32 parameter name ("committeeSize", ...), dropping trailing zero bytes. */
export function decodeName(name: `0x${string}`): string {
  return hexToString(name, { size: 32 }).replace(/\0+$/, "");
}

async function recordChange(db: Db, contract: string, event: Meta, name: string, oldValue: string, newValue: string): Promise<void> {
  await db.insert(parameterChange).values({
    id: event.id,
    contract,
    name,
    oldValue,
    newValue,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    txHash: event.transaction.hash,
  });
}

/** ParameterChanged and TreasuryChanged, which the coordinator and the staking contract share. */
function parameters(contract: "PohCoordinator" | "PohStaking", treasuryColumn: "coordinatorTreasury" | "stakingTreasury"): void {
  ponder.on(`${contract}:ParameterChanged` as `PohCoordinator:ParameterChanged`, async ({ event, context }) => {
    const { name, oldValue, newValue } = event.args;
    await recordChange(context.db, contract, event, decodeName(name), oldValue.toString(), newValue.toString());
  });
  ponder.on(`${contract}:TreasuryChanged` as `PohCoordinator:TreasuryChanged`, async ({ event, context }) => {
    const { oldTreasury, newTreasury } = event.args;
    await recordChange(context.db, contract, event, "treasury", oldTreasury, newTreasury);
    await updateNetwork(context.db, event.block, () => ({ [treasuryColumn]: lower(newTreasury) }));
  });
}

parameters("PohCoordinator", "coordinatorTreasury");
parameters("PohStaking", "stakingTreasury");
