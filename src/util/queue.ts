/**
 * drydock's one door to the `p-queue` package: handshake pacing (transport), per-connection channel limits
 * (ssh) and the fan-out's forks all queue through it, so a p-queue upgrade is checked in one place.
 */
export { default as PQueue } from 'p-queue';
