// The persistence layer: the Store contract, change feeds and the backends. Never imports functions/.
export type * from "./store.js";
export { createLocalChangeFeed, createPollingChangeFeed, RESYNC_SCOPE } from "./change-feed.js";
export { StoreError } from "./store-errors.js";
export type { StoreErrorKind } from "./store-errors.js";
export type { ChangeFeed, LocalChangeFeed, ScopeChange } from "./change-feed.js";
export { createSqliteStore } from "./sqlite/store.js";
