/** The name of the local user this process runs as, or undefined when the system has none for its uid (containers). */
import { userInfo } from 'node:os';

export function localUserName(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}
