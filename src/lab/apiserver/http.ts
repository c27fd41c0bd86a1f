/**
 * HTTP plumbing shared by the handlers: JSON responses, request bodies (JSON or YAML) and the content
 * negotiation kubectl relies on (Table printing).
 */
import { parse as parseYaml } from '../../util/yaml.js';
import { decodeProtobufDeleteOptions } from './protobuf.js';
import { ApiError, badRequest } from './status.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Json } from './types.js';

export function sendJson(res: ServerResponse, code: number, body: Json): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

export function sendError(res: ServerResponse, err: ApiError): void {
  sendJson(res, err.code, err.toStatus());
}

const MAX_BODY = 8 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(413, 'RequestEntityTooLarge', 'the request body is too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

export function parseBody(req: IncomingMessage, body: Buffer): Json {
  const type = mediaType(req);
  if (type.includes('protobuf') || type.includes('cbor')) {
    const deleteOptions = type.includes('protobuf') ? decodeDeleteOptions(body) : undefined;
    if (deleteOptions) return deleteOptions;
    throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (got ${type})`);
  }
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return type.includes('yaml') ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw badRequest(`the request body could not be decoded: ${(err as Error).message}`);
  }
}

function decodeDeleteOptions(body: Buffer): Json {
  try {
    return decodeProtobufDeleteOptions(body);
  } catch (err) {
    throw badRequest(`the request body could not be decoded: ${(err as Error).message}`);
  }
}

/** The Table version the client accepts (`v1` preferred), or undefined when it wants plain objects. */
export function wantsTable(req: IncomingMessage): string | undefined {
  const accept = req.headers.accept ?? '';
  for (const part of accept.split(',')) {
    const params = part.split(';').map((p) => p.trim());
    if (!params.includes('as=Table') || !params.includes('g=meta.k8s.io')) continue;
    if (params.includes('v=v1')) return 'v1';
    if (params.includes('v=v1beta1')) return 'v1beta1';
  }
  return undefined;
}
