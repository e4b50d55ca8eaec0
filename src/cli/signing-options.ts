import { createManifestVerifier, type ManifestVerifier } from '../checkpoints/signing';
import { stringOption, type OptionSpecs, type ParsedArgs } from './command';

/**
 * Checkpoint signing is off unless a key is given, by flag or environment (a PEM file path):
 * the trainer signs with `--signing-key` / STREAMLEARN_SIGNING_KEY; readers verify with `--verify-key` /
 * STREAMLEARN_VERIFY_KEY. Make a key pair with:
 *   openssl genpkey -algorithm ed25519 -out signing-key.pem
 *   openssl pkey -in signing-key.pem -pubout -out verify-key.pem
 */
export const signingKeyOption: OptionSpecs = { 'signing-key': { type: 'string' } };
export const verifyKeyOption: OptionSpecs = { 'verify-key': { type: 'string' } };

export function signingKeyPath(args: ParsedArgs): string | undefined {
  return stringOption(args, 'signing-key') ?? (process.env.STREAMLEARN_SIGNING_KEY || undefined);
}

export function verifyKeyPath(args: ParsedArgs): string | undefined {
  return stringOption(args, 'verify-key') ?? (process.env.STREAMLEARN_VERIFY_KEY || undefined);
}

export function verifierFor(args: ParsedArgs): ManifestVerifier | undefined {
  const path = verifyKeyPath(args);
  return path === undefined ? undefined : createManifestVerifier(path);
}
