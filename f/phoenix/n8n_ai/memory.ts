// n8n's Simple Memory (memoryBufferWindow) kept per chat session in Windmill state.
//
// In n8n the memory lives in the n8n process (a map from "<workflow id>__<session id>" to a
// LangChain BufferWindowMemory). A Windmill step is a fresh process, so the first time a
// session's memory is asked for in this process it is filled from Windmill state, and after
// the node ran, the last k turns (k = the node's Context Window Length) are written back.
import { createRequire } from "node:module";
import type { AiNodeTypes } from "./node_types.ts";
import { getState, setState, statePath, type StateApi } from "./state.ts";

const MEMORY_TYPE = "@n8n/n8n-nodes-langchain.memoryBufferWindow";
export const MEMORY_FORMAT = 1;

type Session = { memory: any; turns: number; saved: string };
type Stored = { format: number; session: string; messages: unknown[] };

export class SessionMemories {
  private readonly sessions = new Map<string, Session>();
  private messages?: { toStored: (m: any[]) => unknown[]; fromStored: (s: unknown[]) => any[] };

  constructor(private readonly types: AiNodeTypes, private readonly api: () => StateApi) {}

  /** Wrap the memory node's supplyData (once per process) so each session is loaded from state first. */
  install(): void {
    const node = this.types.getByName(MEMORY_TYPE);
    const proto = Object.getPrototypeOf(node);
    if (proto.__phoenixMemories) {
      proto.__phoenixMemories = this;
      return;
    }
    proto.__phoenixMemories = this;
    const original = proto.supplyData;
    const helpers = this.types.langchainModule("dist/utils/helpers.js");
    proto.supplyData = async function (this: any, itemIndex: number) {
      const keeper: SessionMemories = proto.__phoenixMemories;
      const supplied = await original.call(this, itemIndex);
      const version = this.getNode().typeVersion;
      const sessionId = version >= 1.2 ? helpers.getSessionId(this, itemIndex) : this.getNodeParameter("sessionKey", itemIndex);
      const turns = Number(this.getNodeParameter("contextWindowLength", itemIndex)) || 5;
      await keeper.loaded(`${this.getWorkflow().id}__${sessionId}`, supplied.response, turns);
      return supplied;
    };
  }

  private codec() {
    if (!this.messages) {
      // the message classes of the LangChain copy the memory itself uses
      const memoryFile = this.types.langchainRequire.resolve("@langchain/classic/memory");
      const core = createRequire(memoryFile)("@langchain/core/messages");
      this.messages = { toStored: core.mapChatMessagesToStoredMessages, fromStored: core.mapStoredMessagesToChatMessages };
    }
    return this.messages;
  }

  private async loaded(key: string, memory: any, turns: number): Promise<void> {
    if (this.sessions.has(key)) return;
    const session: Session = { memory, turns, saved: "[]" };
    this.sessions.set(key, session);
    const stored = (await getState(this.api(), statePath("memory", key))) as Stored | undefined;
    if (stored?.format === MEMORY_FORMAT && Array.isArray(stored.messages) && stored.messages.length) {
      await memory.chatHistory.addMessages(this.codec().fromStored(stored.messages));
      session.saved = JSON.stringify(stored.messages);
    }
  }

  /** Write every session this process used back to state: its last k turns (2k messages). */
  async save(): Promise<void> {
    for (const [key, session] of this.sessions) {
      const messages = await session.memory.chatHistory.getMessages();
      const kept = this.codec().toStored(messages.slice(-2 * session.turns));
      const text = JSON.stringify(kept);
      if (text === session.saved) continue;
      const value: Stored = { format: MEMORY_FORMAT, session: key, messages: kept };
      await setState(this.api(), statePath("memory", key), value);
      session.saved = text;
    }
  }
}
