/** Raised when a Ruleset holds something that must not reach nft (a bad name, address or value). */
export type RenderErrorCode =
  | 'E_NFT_NAME' // identifier outside the allow-list (or an nft keyword)
  | 'E_NFT_ADDR' // not a valid IP address / prefix / range for the field
  | 'E_NFT_IFNAME' // not a valid interface name
  | 'E_NFT_VALUE' // a symbol, number or MAC that nft would misread
  | 'E_NFT_SHAPE'; // a statement combination nft refuses (e.g. log level with group)

export class RenderError extends Error {
  constructor(
    readonly code: RenderErrorCode,
    readonly value: string,
    message: string,
  ) {
    super(message);
    this.name = 'RenderError';
  }
}
