import { Client, Connection } from '@temporalio/client';

/** A Temporal client for the API and tools; the caller closes `connection` on shutdown. */
export async function connectTemporal(address: string, namespace: string): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address });
  return { client: new Client({ connection, namespace }), connection };
}
