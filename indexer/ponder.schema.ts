/**
 * Tables served over GraphQL and SQL-over-HTTP. Amounts are in wei (native coin or POH wei),
 * times are block timestamps in seconds, days are UTC days since 1970-01-01.
 */
import { index, onchainEnum, onchainTable, relations } from "ponder";

export const jobStatus = onchainEnum("job_status", ["pending", "final", "failed"]);
export const failureReason = onchainEnum("failure_reason", ["none", "expired", "no_agreement", "input_invalid"]);
export const memberOutcome = onchainEnum("member_outcome", ["pending", "agreed", "outlier", "no_commit", "no_reveal", "unscored"]);
export const minerStatus = onchainEnum("miner_status", ["active", "unbonding", "exited"]);
export const ledgerKind = onchainEnum("ledger_kind", [
  "reward", // JobFinalized: native-coin reward credited to an agreeing member (one row each)
  "refund", // JobFailed: fee credited back to the requester
  "protocol_fee", // JobFinalized: protocol fee credited to the treasury
  "withdrawal", // coordinator Withdrawn: credited native coin pulled out
  "emission_claim", // EmissionClaimed: POH minted to a miner for an epoch
  "slash", // Slashed: stake taken from a miner
  "stake", // Staked
  "unbond", // UnbondRequested
  "unstake", // staking Withdrawn: unbonded stake returned
]);

/** One row per miner (any address that staked or sat on a committee). */
export const miner = onchainTable(
  "miner",
  (t) => ({
    id: t.hex().primaryKey(),
    status: minerStatus("status").notNull(),
    activeStake: t.bigint().notNull(),
    unbonding: t.bigint().notNull(),
    unbondingReleaseTime: t.bigint(),
    trustMultiplierBps: t.integer().notNull(),
    jobsServed: t.integer().notNull(),
    jobsAgreed: t.integer().notNull(),
    jobsUnscored: t.integer().notNull(),
    agreementRateBps: t.integer().notNull(),
    livenessFaults: t.integer().notNull(),
    outlierFaults: t.integer().notNull(),
    commits: t.integer().notNull(),
    reveals: t.integer().notNull(),
    revealMismatches: t.integer().notNull(),
    proposals: t.integer().notNull(),
    totalSlashed: t.bigint().notNull(),
    feesEarned: t.bigint().notNull(),
    feesWithdrawn: t.bigint().notNull(),
    pointsEarned: t.bigint().notNull(),
    pohEarned: t.bigint().notNull(),
    reputation: t.integer().notNull(),
    // The decayed sums behind `reputation` (see src/reputation.ts).
    repAgreed: t.doublePrecision().notNull(),
    repScored: t.doublePrecision().notNull(),
    repFaults: t.doublePrecision().notNull(),
    firstSeenBlock: t.bigint().notNull(),
    firstSeenTime: t.bigint().notNull(),
    lastSeenBlock: t.bigint().notNull(),
    lastSeenTime: t.bigint().notNull(),
  }),
  (table) => ({
    // Leaderboards sort by reputation; GraphQL adds the primary key as the tie-breaker.
    reputationIdx: index().on(table.reputation, table.id),
  }),
);

/** One row per verification job. */
export const job = onchainTable(
  "job",
  (t) => ({
    id: t.bigint().primaryKey(),
    requester: t.hex().notNull(),
    modelId: t.integer().notNull(),
    inputHash: t.hex().notNull(),
    inputURI: t.text().notNull(),
    fee: t.bigint().notNull(),
    committee: t.hex().array().notNull(),
    committeeSize: t.integer().notNull(),
    quorum: t.integer().notNull(),
    commitDeadline: t.bigint().notNull(),
    revealDeadline: t.bigint().notNull(),
    callback: t.hex().notNull(),
    callbackGasLimit: t.integer().notNull(),
    callbackStatus: t.text(), // "delivered" | "failed" | null (none or not yet)
    callbackError: t.hex(),
    status: jobStatus("status").notNull(),
    failureReason: failureReason("failure_reason").notNull(),
    commitCount: t.integer().notNull(),
    revealCount: t.integer().notNull(),
    result: t.integer(),
    verdict: t.boolean(),
    proposer: t.hex(),
    agreeCount: t.integer(),
    protocolFee: t.bigint(),
    refund: t.bigint(),
    rewardsPaid: t.bigint().notNull(),
    pointsAwarded: t.bigint().notNull(),
    slashedTotal: t.bigint().notNull(),
    epoch: t.bigint(),
    requestBlock: t.bigint().notNull(),
    requestTime: t.bigint().notNull(),
    requestTx: t.hex().notNull(),
    finalBlock: t.bigint(),
    finalTime: t.bigint(),
    finalTx: t.hex(),
    latencyBlocks: t.integer(),
    latencySeconds: t.integer(),
  }),
  (table) => ({
    requesterIdx: index().on(table.requester),
    statusIdx: index().on(table.status),
  }),
);

/** One row per (job, committee member): its commit, reveal and outcome. */
export const jobMember = onchainTable(
  "job_member",
  (t) => ({
    id: t.text().primaryKey(), // `${jobId}-${miner}`
    jobId: t.bigint().notNull(),
    miner: t.hex().notNull(),
    position: t.integer().notNull(),
    commitment: t.hex(),
    commitBlock: t.bigint(),
    commitTime: t.bigint(),
    commitTx: t.hex(),
    scoreBps: t.integer(),
    revealBlock: t.bigint(),
    revealTime: t.bigint(),
    revealTx: t.hex(),
    revealMismatches: t.integer().notNull(),
    outcome: memberOutcome("outcome").notNull(),
    reward: t.bigint().notNull(),
    points: t.bigint().notNull(),
    slashed: t.bigint().notNull(),
    trustMultiplierBps: t.integer(),
    reputationAfter: t.integer(),
    settledBlock: t.bigint(),
    settledTime: t.bigint(),
  }),
  (table) => ({
    jobIdx: index().on(table.jobId),
    // A miner's history: WHERE miner = ? ORDER BY job_id, id (GraphQL's tie-breaker).
    minerIdx: index().on(table.miner, table.jobId, table.id),
  }),
);

/** Every coordinator event about a job (one row per member for its settlement), plus its slashes: the job's timeline. */
export const jobEvent = onchainTable(
  "job_event",
  (t) => ({
    id: t.text().primaryKey(), // Ponder event id (chain order), plus a suffix when one event makes several rows
    jobId: t.bigint().notNull(),
    kind: t.text().notNull(), // requested | committed | revealed | reveal_mismatched | finalized | failed | member_settled | slashed | callback_delivered | callback_failed
    miner: t.hex(),
    detail: t.json().$type<Record<string, string | number | boolean | null>>().notNull(),
    blockNumber: t.bigint().notNull(),
    logIndex: t.integer().notNull(),
    timestamp: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({
    jobIdx: index().on(table.jobId, table.blockNumber, table.logIndex),
  }),
);

/** One row per payout, refund, claim, slash and stake movement. */
export const ledger = onchainTable(
  "ledger",
  (t) => ({
    id: t.text().primaryKey(), // Ponder event id (plus a suffix when one event makes several rows)
    account: t.hex().notNull(),
    kind: ledgerKind("kind").notNull(),
    asset: t.text().notNull(), // "native" | "POH"
    amount: t.bigint().notNull(),
    reason: t.text(), // slash reason (liveness | outlier), or the member outcome
    jobId: t.bigint(),
    epoch: t.bigint(),
    points: t.bigint(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({
    accountIdx: index().on(table.account, table.blockNumber, table.id),
    jobIdx: index().on(table.jobId),
  }),
);

/** One row per emission epoch that saw work or claims. */
export const epoch = onchainTable("epoch", (t) => ({
  id: t.bigint().primaryKey(),
  emission: t.bigint().notNull(),
  totalPoints: t.bigint().notNull(),
  jobs: t.integer().notNull(),
  claimedAmount: t.bigint().notNull(),
  claimedPoints: t.bigint().notNull(),
  claims: t.integer().notNull(),
  firstBlock: t.bigint().notNull(),
  lastBlock: t.bigint().notNull(),
}));

/** A miner's points and claim in one epoch. */
export const minerEpoch = onchainTable(
  "miner_epoch",
  (t) => ({
    id: t.text().primaryKey(), // `${miner}-${epoch}`
    miner: t.hex().notNull(),
    epoch: t.bigint().notNull(),
    points: t.bigint().notNull(),
    jobs: t.integer().notNull(),
    claimed: t.boolean().notNull(),
    claimedAmount: t.bigint().notNull(),
  }),
  (table) => ({ minerIdx: index().on(table.miner, table.epoch, table.id) }),
);

/** Model versions from the registry and their job counts. */
export const model = onchainTable("model", (t) => ({
  id: t.integer().primaryKey(),
  sha256: t.hex().notNull(),
  featureSpecVersion: t.integer().notNull(),
  uri: t.text().notNull(),
  active: t.boolean().notNull(),
  addedBlock: t.bigint().notNull(),
  addedTime: t.bigint().notNull(),
  retiredBlock: t.bigint(),
  jobCount: t.integer().notNull(),
  finalJobs: t.integer().notNull(),
  failedJobs: t.integer().notNull(),
}));

/** Per-requester totals. */
export const integrator = onchainTable("integrator", (t) => ({
  id: t.hex().primaryKey(),
  jobs: t.integer().notNull(),
  finalJobs: t.integer().notNull(),
  failedJobs: t.integer().notNull(),
  feesPaid: t.bigint().notNull(),
  refunded: t.bigint().notNull(),
  firstBlock: t.bigint().notNull(),
  lastBlock: t.bigint().notNull(),
}));

/** Per-miner daily series (UTC days). */
export const minerDay = onchainTable(
  "miner_day",
  (t) => ({
    id: t.text().primaryKey(), // `${miner}-${day}`
    miner: t.hex().notNull(),
    day: t.integer().notNull(),
    date: t.text().notNull(), // YYYY-MM-DD
    reputation: t.integer().notNull(), // at the end of the day (so far)
    jobsServed: t.integer().notNull(),
    jobsAgreed: t.integer().notNull(),
    faults: t.integer().notNull(),
    feesEarned: t.bigint().notNull(),
    pohEarned: t.bigint().notNull(),
    slashed: t.bigint().notNull(),
  }),
  (table) => ({ minerIdx: index().on(table.miner, table.day, table.id) }),
);

/** Network-wide daily series (UTC days). */
export const networkDay = onchainTable("network_day", (t) => ({
  id: t.integer().primaryKey(), // day
  date: t.text().notNull(),
  jobsRequested: t.integer().notNull(),
  jobsFinal: t.integer().notNull(),
  jobsFailed: t.integer().notNull(),
  feesRequested: t.bigint().notNull(),
  protocolFees: t.bigint().notNull(),
  rewardsPaid: t.bigint().notNull(),
  slashed: t.bigint().notNull(),
  pohClaimed: t.bigint().notNull(),
  latencyBlocksSum: t.bigint().notNull(),
  latencySecondsSum: t.bigint().notNull(),
  meanLatencyBlocks: t.doublePrecision(),
  meanLatencySeconds: t.doublePrecision(),
  failureRateBps: t.integer().notNull(),
}));

/** Singleton (id "network"): totals and current settings. */
export const network = onchainTable("network", (t) => ({
  id: t.text().primaryKey(),
  jobs: t.integer().notNull(),
  jobsPending: t.integer().notNull(),
  jobsFinal: t.integer().notNull(),
  jobsFailed: t.integer().notNull(),
  feesRequested: t.bigint().notNull(),
  protocolFees: t.bigint().notNull(),
  rewardsPaid: t.bigint().notNull(),
  refunds: t.bigint().notNull(),
  withdrawn: t.bigint().notNull(),
  totalSlashed: t.bigint().notNull(),
  slashedToTreasury: t.bigint().notNull(),
  slashedBurned: t.bigint().notNull(),
  totalActiveStake: t.bigint().notNull(),
  totalUnbonding: t.bigint().notNull(),
  miners: t.integer().notNull(),
  pohClaimed: t.bigint().notNull(),
  tokenSupply: t.bigint().notNull(),
  tokenBurned: t.bigint().notNull(),
  coordinatorTreasury: t.hex(),
  stakingTreasury: t.hex(),
  emissionMinter: t.hex(),
  stakingCoordinator: t.hex(),
  emissionCoordinator: t.hex(),
  /** Whether new verification requests are paused on the coordinator. */
  coordinatorPaused: t.boolean().notNull(),
  lastBlock: t.bigint().notNull(),
}));

/** Every ParameterChanged / TreasuryChanged from the coordinator and staking contracts. */
export const parameterChange = onchainTable("parameter_change", (t) => ({
  id: t.text().primaryKey(),
  contract: t.text().notNull(), // "PohCoordinator" | "PohStaking"
  name: t.text().notNull(), // decoded bytes32 name, or "treasury"
  oldValue: t.text().notNull(),
  newValue: t.text().notNull(),
  blockNumber: t.bigint().notNull(),
  timestamp: t.bigint().notNull(),
  txHash: t.hex().notNull(),
}));

/**
 * Every access-control, admin-transfer, pause and EIP-712 domain event of the five contracts
 * (OpenZeppelin's RoleGranted, RoleRevoked, RoleAdminChanged, DefaultAdmin*, Paused, Unpaused,
 * EIP712DomainChanged), in order.
 */
export const governanceEvent = onchainTable(
  "governance_event",
  (t) => ({
    id: t.text().primaryKey(),
    contract: t.text().notNull(), // "PohCoordinator" | "PohStaking" | "ModelRegistry" | "PohEmission" | "PohToken"
    kind: t.text().notNull(), // the event's name
    role: t.hex(),
    roleName: t.text(), // "DEFAULT_ADMIN_ROLE", "GOVERNOR_ROLE", "PAUSER_ROLE", or null if unknown
    account: t.hex(), // the account granted/revoked, the new admin, or who paused/unpaused
    sender: t.hex(), // who granted/revoked
    detail: t.json().$type<Record<string, string | null>>().notNull(),
    blockNumber: t.bigint().notNull(),
    logIndex: t.integer().notNull(),
    timestamp: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ contractIdx: index().on(table.contract, table.blockNumber, table.logIndex) }),
);

/** Who holds which role on which contract now: RoleGranted adds a row, RoleRevoked removes it. */
export const roleMember = onchainTable("role_member", (t) => ({
  id: t.text().primaryKey(), // `${contract}-${role}-${account}`
  contract: t.text().notNull(),
  role: t.hex().notNull(),
  roleName: t.text(),
  account: t.hex().notNull(),
  grantedBy: t.hex().notNull(),
  grantedAtBlock: t.bigint().notNull(),
  grantedAt: t.bigint().notNull(),
}));

/** POH balances. */
export const tokenAccount = onchainTable("token_account", (t) => ({
  id: t.hex().primaryKey(),
  balance: t.bigint().notNull(),
}));

/** POH allowances (latest Approval per owner and spender). */
export const tokenAllowance = onchainTable("token_allowance", (t) => ({
  id: t.text().primaryKey(), // `${owner}-${spender}`
  owner: t.hex().notNull(),
  spender: t.hex().notNull(),
  amount: t.bigint().notNull(),
}));

export const minerRelations = relations(miner, ({ many }) => ({
  memberships: many(jobMember),
  ledger: many(ledger),
  days: many(minerDay),
  epochs: many(minerEpoch),
}));

export const jobRelations = relations(job, ({ many, one }) => ({
  members: many(jobMember),
  events: many(jobEvent),
  ledger: many(ledger),
  model: one(model, { fields: [job.modelId], references: [model.id] }),
}));

export const jobMemberRelations = relations(jobMember, ({ one }) => ({
  job: one(job, { fields: [jobMember.jobId], references: [job.id] }),
  minerRow: one(miner, { fields: [jobMember.miner], references: [miner.id] }),
}));

export const jobEventRelations = relations(jobEvent, ({ one }) => ({
  job: one(job, { fields: [jobEvent.jobId], references: [job.id] }),
}));

export const ledgerRelations = relations(ledger, ({ one }) => ({
  minerRow: one(miner, { fields: [ledger.account], references: [miner.id] }),
  job: one(job, { fields: [ledger.jobId], references: [job.id] }),
}));

export const minerDayRelations = relations(minerDay, ({ one }) => ({
  minerRow: one(miner, { fields: [minerDay.miner], references: [miner.id] }),
}));

export const minerEpochRelations = relations(minerEpoch, ({ one }) => ({
  minerRow: one(miner, { fields: [minerEpoch.miner], references: [miner.id] }),
  epochRow: one(epoch, { fields: [minerEpoch.epoch], references: [epoch.id] }),
}));

export const modelRelations = relations(model, ({ many }) => ({
  jobs: many(job),
}));

export const epochRelations = relations(epoch, ({ many }) => ({
  miners: many(minerEpoch),
}));
