import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import PohProtocol from "./PohProtocol.ts";

/**
 * Registers a model version in the registry deployed by PohProtocol. Parameters: sha256
 * (0x-prefixed sha256 of the .onnx file), featureSpecVersion, uri.
 */
export default buildModule("PohModel", (m) => {
  const protocol = m.useModule(PohProtocol);
  const { registry } = protocol;
  const sha256 = m.getParameter<string>("sha256");
  const featureSpecVersion = m.getParameter<number>("featureSpecVersion", 1);
  const uri = m.getParameter<string>("uri", "ipfs://poh-model");
  m.call(registry, "addModel", [sha256, featureSpecVersion, uri]);
  return protocol;
});
