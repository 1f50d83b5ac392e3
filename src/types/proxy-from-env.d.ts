// proxy-from-env 2.x ships no types; this is the one function the bridge calls.
declare module 'proxy-from-env' {
  /** The proxy URL for `url` from the *_PROXY / NO_PROXY variables of process.env; '' for a direct request. */
  export function getProxyForUrl(url: string | URL): string;
}
