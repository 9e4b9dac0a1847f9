/** Debian's Chromium, driven by playwright-core (which never downloads a browser), for the browser test and the page benchmark. */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless, and nothing that talks to the network on its own (updates, sync, QUIC probes) while a page is measured or tested. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
