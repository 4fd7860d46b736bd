export { createAgent, type Agent } from './agent/agent.js';
export { resolveAgentConfig, type AgentConfig } from './agent/agent-config.js';
export { TrainerClient, ApiError } from './client/trainer-client.js';
