import busboy from 'busboy';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Ctx } from './context';
import { ApiError } from './errors';
import { invalid } from '../services/errors';
import type { z } from 'zod';
import { normalizeQuery, parseWith } from './routing';

/** A multipart upload spooled to disk: the file (never held in memory) and the form's other fields. */
export interface SpooledUpload {
  /** Absolute path of the spooled file; the caller owns it (and removes it when refused). */
  path: string;
  /** The file name the client gave, without directories. */
  fileName: string;
  size: number;
  /** Form fields; repeated names and `name[]` become arrays (as query strings do). */
  fields: Record<string, unknown>;
}

const FIELD_LIMITS = { fields: 100, fieldSize: 64 * 1024, parts: 110 };

const tooLarge = (maxBytes: number) =>
  new ApiError(413, 'payload_too_large', `The file is larger than the ${Math.floor(maxBytes / (1024 * 1024))} MiB upload limit (IMPORT_MAX_BYTES).`, { limit_bytes: maxBytes });

/**
 * Reads a `multipart/form-data` request with busboy, streaming the part named `fileField` into `dir` and keeping
 * the other fields. The size limit is checked against Content-Length up front and again while streaming (413 either
 * way, the partial file removed); the rest of an oversized body is drained so the client reads the answer.
 */
export function uploadReader(opts: { dir: string; maxBytes: number }) {
  const read = async (ctx: Ctx, fileField: string): Promise<SpooledUpload> => {
    if (!ctx.is('multipart/form-data')) {
      throw new ApiError(415, 'unsupported_media_type', `Send the file as multipart/form-data, in a field named ${fileField}.`);
    }
    const declared = Number(ctx.get('content-length'));
    if (Number.isFinite(declared) && declared > opts.maxBytes + FIELD_LIMITS.fields * FIELD_LIMITS.fieldSize) {
      ctx.req.resume();
      throw tooLarge(opts.maxBytes);
    }
    fs.mkdirSync(opts.dir, { recursive: true });
    const target = path.join(opts.dir, `${randomUUID()}.upload`);
    const raw: Record<string, string | string[]> = {};
    let file: { fileName: string; size: number; truncated: boolean } | undefined;
    let writing: Promise<void> | undefined;

    const parsed = new Promise<void>((resolve, reject) => {
      let bb: busboy.Busboy;
      try {
        bb = busboy({ headers: ctx.req.headers, limits: { ...FIELD_LIMITS, files: 1, fileSize: opts.maxBytes } });
      } catch (err) {
        reject(invalid(fileField, `The multipart body cannot be read: ${(err as Error).message}.`));
        return;
      }
      bb.on('file', (name, stream, info) => {
        if (name !== fileField || file) {
          stream.resume();
          return;
        }
        const f = { fileName: path.basename(info.filename ?? 'upload'), size: 0, truncated: false };
        file = f;
        stream.on('data', (chunk: Buffer) => (f.size += chunk.length));
        stream.on('limit', () => (f.truncated = true));
        writing = pipeline(stream, fs.createWriteStream(target));
      });
      bb.on('field', (name, value) => {
        const prev = raw[name];
        raw[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
      });
      bb.on('close', resolve);
      bb.on('error', (err: Error) => reject(invalid(fileField, `The multipart body cannot be read: ${err.message}.`)));
      ctx.req.on('aborted', () => reject(new ApiError(400, 'bad_request', 'The upload was interrupted.')));
      ctx.req.pipe(bb);
    });

    try {
      await parsed;
      await writing;
    } catch (err) {
      ctx.req.unpipe();
      ctx.req.resume();
      await writing?.catch(() => undefined);
      fs.rmSync(target, { force: true });
      throw err;
    }
    if (!file) throw invalid(fileField, `The ${fileField} field is required: send the CSV or XLSX file as multipart/form-data.`);
    if (file.truncated) {
      fs.rmSync(target, { force: true });
      throw tooLarge(opts.maxBytes);
    }
    return { path: target, fileName: file.fileName, size: file.size, fields: normalizeQuery(raw) };
  };
  /** The upload and its form fields parsed with `schema` (422 naming the field, the spooled file removed). */
  return async <F>(ctx: Ctx, fileField: string, schema: z.ZodType<F>): Promise<{ file: SpooledUpload; fields: F }> => {
    const file = await read(ctx, fileField);
    try {
      return { file, fields: parseWith(schema, file.fields, 'body') };
    } catch (err) {
      fs.rmSync(file.path, { force: true });
      throw err;
    }
  };
}
