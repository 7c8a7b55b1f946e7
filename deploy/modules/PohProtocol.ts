import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * The whole protocol: token, staking, model registry, emission and coordinator, wired together.
 * Parameters (all optional): treasury (default: the deployer), minStake, unbondingPeriod
 * (seconds), epochLength (blocks), halvingEpochs, jobSlots (records in the coordinator's job ring:
 * the most jobs pending at once, and how many recent jobs getJob reports in full; default 65,536).
 */
export default buildModule("PohProtocol", (m) => {
  const admin = m.getAccount(0);
  const treasury = m.getParameter("treasury", admin);
  const minStake = m.getParameter("minStake", 1_000n * 10n ** 18n);
  const unbondingPeriod = m.getParameter("unbondingPeriod", 7n * 24n * 3600n);
  // Mainnet-like defaults: a day of 12 s blocks per epoch, halving every 730 epochs (2 years).
  const epochLength = m.getParameter("epochLength", 7_200n);
  const halvingEpochs = m.getParameter("halvingEpochs", 730n);
  const jobSlots = m.getParameter("jobSlots", 65_536n);

  const token = m.contract("PohToken", [admin, treasury]);
  const staking = m.contract("PohStaking", [admin, token, treasury, minStake, unbondingPeriod]);
  const registry = m.contract("ModelRegistry", [admin]);
  const emission = m.contract("PohEmission", [admin, token, epochLength, halvingEpochs]);
  const coordinator = m.contract("PohCoordinator", [admin, staking, registry, emission, treasury, jobSlots]);

  m.call(token, "setEmission", [emission]);
  m.call(staking, "setCoordinator", [coordinator]);
  m.call(emission, "setCoordinator", [coordinator]);

  return { token, staking, registry, emission, coordinator };
});
