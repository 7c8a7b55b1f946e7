/** ModelRegistry events: model versions. */
import { ponder } from "ponder:registry";
import { model } from "ponder:schema";

ponder.on("ModelRegistry:ModelAdded", async ({ event, context }) => {
  const { modelId, sha256Hash, featureSpecVersion, uri } = event.args;
  await context.db.insert(model).values({
    id: Number(modelId),
    sha256: sha256Hash,
    featureSpecVersion: Number(featureSpecVersion),
    uri,
    active: true,
    addedBlock: event.block.number,
    addedTime: event.block.timestamp,
    jobCount: 0,
    finalJobs: 0,
    failedJobs: 0,
  });
});

ponder.on("ModelRegistry:ModelRetired", async ({ event, context }) => {
  await context.db
    .update(model, { id: Number(event.args.modelId) })
    .set({ active: false, retiredBlock: event.block.number });
});
