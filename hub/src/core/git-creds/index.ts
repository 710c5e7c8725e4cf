/**
 * Repository credentials by URL prefix (Argo CD's repo-creds): the credentials file's entries
 * and the choice of the entry for a repository URL. Pure; the hub's Git adapter reads the secret
 * files and sends the credentials (../../git/repo-creds.ts).
 */
export {
  isLoopbackHost,
  matchCreds,
  normaliseCredsUrl,
  normaliseRepoForCreds,
  prefixMatches,
} from './match.ts';
export type { CredsPrefix, NormalisedUrl } from './match.ts';
export { DEFAULT_CREDS_USERNAME, parseRepoCreds } from './parse.ts';
export type { ParsedRepoCreds, RepoCredsEntry } from './parse.ts';
