import { isGrpcServiceError, type Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { NEMO_SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';

const INDEXED_VALUE_TYPE_KEYWORD = 2;
const GRPC_NOT_FOUND = 5;
const GRPC_ALREADY_EXISTS = 6;
/** How long finished workflows stay queryable on a cluster NEMO registers the namespace on (the ledger keeps the rest). */
const NAMESPACE_RETENTION_DAYS = 30;

/** The cluster refused to register what NEMO needs; the message names what, why, and what to do. */
export class TemporalRegistrationRefused extends Error {
  constructor(what: string, address: string, cause: unknown, fix: string) {
    super(
      `the Temporal server at ${address} refused to register ${what}: ${(cause as Error).message ?? String(cause)}\n${fix}`,
    );
    this.name = 'TemporalRegistrationRefused';
  }
}

type Registrar = Pick<Connection, 'operatorService' | 'workflowService'>;

/** Registers the namespace if it does not exist; true when it was registered now. */
export async function ensureNamespace(connection: Registrar, namespace: string): Promise<boolean> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return false;
  } catch (err) {
    if (!(isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND)) throw err;
  }
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      description: 'NEMO (registered by nemo up)',
      workflowExecutionRetentionPeriod: msToTs(`${NAMESPACE_RETENTION_DAYS} days`),
    });
    return true;
  } catch (err) {
    if (isGrpcServiceError(err) && err.code === GRPC_ALREADY_EXISTS) return false;
    throw err;
  }
}

/** Registers the search attributes the namespace is missing; returns their names. */
export async function ensureSearchAttributes(
  connection: Pick<Connection, 'operatorService'>,
  namespace: string,
): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = NEMO_SEARCH_ATTRIBUTES.filter((a) => !known.has(a.name));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((a) => [a.name, INDEXED_VALUE_TYPE_KEYWORD])),
  });
  return missing.map((a) => a.name);
}

export interface Registration {
  namespaceRegistered: boolean;
  searchAttributesAdded: string[];
}

/**
 * What NEMO needs from a cluster it did not start (or one without the dev server's conveniences): its namespace and
 * its search attributes, registered through the API if missing. Idempotent: run on every start.
 */
export async function registerNemo(connection: Registrar, address: string, namespace: string): Promise<Registration> {
  let namespaceRegistered: boolean;
  try {
    namespaceRegistered = await ensureNamespace(connection, namespace);
  } catch (err) {
    throw new TemporalRegistrationRefused(
      `the namespace ${namespace}`,
      address,
      err,
      `register it yourself (temporal operator namespace create --namespace ${namespace}) or use an identity allowed to`,
    );
  }
  // A namespace just registered reaches the frontend's namespace cache within seconds; until then it is "not found".
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return { namespaceRegistered, searchAttributesAdded: await ensureSearchAttributes(connection, namespace) };
    } catch (err) {
      const settling =
        namespaceRegistered &&
        isGrpcServiceError(err) &&
        (err.code === GRPC_NOT_FOUND || /not found/i.test(err.message));
      if (settling && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      const names = NEMO_SEARCH_ATTRIBUTES.map((a) => `${a.name} (${a.type})`).join(', ');
      throw new TemporalRegistrationRefused(
        `NEMO's search attributes ${names} in namespace ${namespace}`,
        address,
        err,
        'SQL visibility has a fixed number of columns per type (10 Keyword on PostgreSQL): remove unused custom search attributes ' +
          `(temporal operator search-attribute remove --namespace ${namespace} --name <name>), or register NEMO's with an identity allowed to`,
      );
    }
  }
}
