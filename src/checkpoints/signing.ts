import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CheckpointError, ConfigError } from '../errors';
import type { CheckpointManifest, ManifestSignature } from './manifest';

/**
 * Ed25519 signatures of checkpoint manifests. The manifest names the payload's SHA-256, so signing the
 * manifest signs the weights too. What is signed is the manifest without its `signature`, serialised with
 * sorted keys, so that any reader can rebuild the exact bytes whatever order its JSON library keeps.
 *
 * Keys are PEM files, as openssl makes them:
 *   openssl genpkey -algorithm ed25519 -out signing-key.pem
 *   openssl pkey -in signing-key.pem -pubout -out verify-key.pem
 */
export interface ManifestSigner {
  readonly keyId: string;
  sign(manifest: CheckpointManifest): CheckpointManifest;
}

export interface ManifestVerifier {
  readonly keyId: string;
  /** Throws a `CheckpointError` naming the version unless it is signed by this key. */
  verify(manifest: CheckpointManifest, where: string): void;
}

/** Canonical JSON: object keys sorted at every depth. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The bytes a signature covers. */
export function signedBytes(manifest: CheckpointManifest): Buffer {
  const { signature: _signature, ...rest } = manifest;
  return Buffer.from(canonicalJson(rest), 'utf8');
}

/** First 16 hex digits of the SHA-256 of the public key (SPKI DER): short enough to print, long enough to tell keys apart. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

function requireEd25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519')
    throw new ConfigError(`${what} is a ${key.asymmetricKeyType ?? 'symmetric'} key; checkpoint signing needs an Ed25519 key`);
  return key;
}

/** A PEM text, or the path of a PEM file. */
function pemOf(keyOrPath: string, what: string): string {
  if (keyOrPath.includes('-----BEGIN')) return keyOrPath;
  try {
    return readFileSync(keyOrPath, 'utf8');
  } catch (err) {
    throw new ConfigError(`${what}: cannot read key file "${keyOrPath}"`, { cause: err });
  }
}

export function createManifestSigner(privateKey: string | KeyObject): ManifestSigner {
  const key = requireEd25519(typeof privateKey === 'string' ? createPrivateKey(pemOf(privateKey, 'signing key')) : privateKey, 'the signing key');
  const keyId = keyIdOf(createPublicKey(key));
  return {
    keyId,
    sign(manifest) {
      const unsigned = { ...manifest, signature: undefined };
      const value = sign(null, signedBytes(unsigned), key).toString('base64');
      const signature: ManifestSignature = { alg: 'ed25519', keyId, value };
      return { ...manifest, signature };
    },
  };
}

export function createManifestVerifier(publicKey: string | KeyObject): ManifestVerifier {
  const key = requireEd25519(typeof publicKey === 'string' ? createPublicKey(pemOf(publicKey, 'verify key')) : publicKey, 'the verify key');
  const keyId = keyIdOf(key);
  return {
    keyId,
    verify(manifest, where) {
      const signature = manifest.signature;
      const refuse = (why: string) => {
        throw new CheckpointError(`${where}: ${manifest.modelId} v${manifest.version} ${why}; expected a signature by key ${keyId}`);
      };
      if (!signature) return refuse('is unsigned');
      if (signature.alg !== 'ed25519' || typeof signature.value !== 'string') return refuse(`has an unsupported signature (${String(signature.alg)})`);
      if (signature.keyId !== keyId) return refuse(`is signed by key ${String(signature.keyId)}`);
      if (!verify(null, signedBytes(manifest), key, Buffer.from(signature.value, 'base64'))) refuse('has a signature that does not match its manifest');
    },
  };
}
