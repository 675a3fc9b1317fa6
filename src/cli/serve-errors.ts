// Startup failures of `tunefile serve` that are the user's or the machine's (port taken, bad host, unusable --data), as usage errors naming the flag.
import { TunefileError, UsageError } from '../errors.ts';

/** What `tunefile serve` was asked to use, to name in messages. */
export interface ServeTarget {
  host: string;
  port: number;
  /** --data as given (or its default), for messages. */
  data: string;
}

const HOST_HINT = 'use 127.0.0.1 (this machine only, the default), 0.0.0.0 (every interface) or an address of this machine';

/** A one-line usage error (exit 2) for a known system error from starting the server; other errors are returned unchanged. */
export function describeServeStartError(error: unknown, target: ServeTarget): unknown {
  if (error instanceof TunefileError || !(error instanceof Error)) return error;
  const { code, syscall } = error as NodeJS.ErrnoException;
  if (code === undefined) return error;
  const options = { cause: error };
  if (syscall === 'listen' || syscall === 'bind') {
    const where = `${target.host}:${target.port}`;
    switch (code) {
      case 'EADDRINUSE':
        return new UsageError(`--port ${target.port}: the port is already in use on ${target.host} (another program, or another tunefile serve, listens on ${where})`, {
          ...options,
          hint: 'stop that program, or pick another port with --port (--port 0 picks a free one)',
        });
      case 'EACCES':
      case 'EPERM':
        return new UsageError(`--port ${target.port}: this user may not listen on ${where} (${code}; ports below 1024 need privileges)`, {
          ...options,
          hint: 'pick a port from 1024 to 65535, or --port 0 for a free one',
        });
      case 'EADDRNOTAVAIL':
        return new UsageError(`--host ${target.host}: this machine has no network interface with that address (${code})`, { ...options, hint: HOST_HINT });
      default:
        return new UsageError(`--host ${target.host} --port ${target.port}: cannot listen there (${code}: ${error.message})`, { ...options, hint: HOST_HINT });
    }
  }
  if (syscall === 'getaddrinfo' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new UsageError(`--host ${target.host}: not an IP address or a host name this machine can resolve (${code})`, { ...options, hint: HOST_HINT });
  }
  const path = (error as NodeJS.ErrnoException).path;
  if (path !== undefined) return dataError(code, path, target.data, error);
  return error;
}

/** The data folder cannot be created or written: name --data, the path that failed, and why in words. */
function dataError(code: string, path: string, data: string, cause: Error): UsageError {
  const why: Record<string, string> = {
    ENOTDIR: 'a part of the path is a file, not a folder',
    EEXIST: 'it is a file, not a folder',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'the file system is read-only',
    ENOSPC: 'the disk is full',
    ENAMETOOLONG: 'the path is too long',
  };
  const reason = why[code] ?? cause.message;
  return new UsageError(`--data ${data}: cannot use this folder for the server's data: ${reason} (${code} on ${path})`, {
    cause,
    hint: 'pass --data a folder this user can create and write to (default: .tunefile/local under the current folder)',
  });
}
