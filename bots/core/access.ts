/** Who may run write commands on one platform. Read commands are open unless `readsNeedAllowList`. */
export interface AccessPolicy {
  /** Users allowed to write (start, stop, ack, silence). */
  users: readonly string[];
  /** Slack user groups or Discord roles whose members may write. */
  roles: readonly string[];
  /** When not empty, write commands are accepted only in these channels (admins excepted). */
  channels: readonly string[];
  /** May do anything anywhere. */
  admins: readonly string[];
  readsNeedAllowList: boolean;
}

/** The person and place a command came from. */
export interface ChatActor {
  platform: 'slack' | 'discord';
  userId: string;
  userName: string;
  channelId: string;
  /** Slack user groups or Discord role ids the person has (when the platform told us). */
  roles: readonly string[];
}

export const emptyPolicy = (): AccessPolicy => ({ users: [], roles: [], channels: [], admins: [], readsNeedAllowList: false });

/** Why the actor may not do it, or null when they may. */
export function refusal(policy: AccessPolicy, actor: ChatActor, write: boolean): string | null {
  if (policy.admins.includes(actor.userId)) return null;
  if (!write && !policy.readsNeedAllowList) return null;
  const listed = policy.users.includes(actor.userId) || actor.roles.some((role) => policy.roles.includes(role));
  if (!listed) {
    if (policy.users.length === 0 && policy.roles.length === 0)
      return `nobody may change runs from ${actor.platform} yet: an admin must add people to ${actor.platform.toUpperCase()}_ALLOWED_USERS`;
    return `you are not on the ${actor.platform} allow-list for this command: ask an admin to add you`;
  }
  if (write && policy.channels.length > 0 && !policy.channels.includes(actor.channelId))
    return `write commands are accepted only in the allowed channels, not in this one`;
  return null;
}
