// Runs LangGraph's own checkpointer conformance kit (@langchain/langgraph-checkpoint-validation)
// against StowageSaver on one driver: the full spec (`validate`) and the opt-in
// getDeltaChannelHistory spec. Each checkpointer the kit creates gets a stowage namespace of its
// own, so its listings see only its own checkpoints.
import { deltaChannelHistoryTests, validate } from "@langchain/langgraph-checkpoint-validation";
import { type DriverName, openTestStore, type TestStore } from "@stowage/test-stores";
import { StowageSaver } from "../src/index.ts";

export function runCheckpointKit(driver: DriverName): void {
  let opened: TestStore | undefined;
  let count = 0;
  const initializer = {
    checkpointerName: `StowageSaver (${driver})`,
    beforeAllTimeout: 120_000,
    async beforeAll() {
      opened = await openTestStore(driver, "langgraph");
    },
    async afterAll() {
      await opened?.cleanup();
    },
    createCheckpointer() {
      if (!opened) throw new Error("the store is not open yet");
      return new StowageSaver(opened.store, { namespace: `kit-${++count}` });
    },
    async destroyCheckpointer(saver: StowageSaver) {
      await saver.kv.clear();
    },
  };
  validate(initializer);
  deltaChannelHistoryTests(initializer);
}
