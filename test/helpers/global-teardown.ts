/** Stops what global-setup started, newest first. */
export default async function globalTeardown(): Promise<void> {
  const stops = (globalThis as { __switchboardStops?: (() => Promise<void>)[] }).__switchboardStops ?? [];
  for (const stop of stops.reverse()) await stop();
}
