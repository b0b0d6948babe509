// How the stand-ins keep private keys at rest (ACM Private CA keys, the keys of ACM certificates): sealed by the
// entry's vault, never in the clear, and opened only to sign or to serve a Secret to a proxy. The entries build the
// vault: sealed with MESHPLANE_AUTH_SECRET_KEY (functions/auth/secret-box.ts); kept as they are only when meshplane
// runs open for local development; otherwise refused, so no key is ever stored unsealed by accident.

export interface KeyVault {
  /** Whether keys can be stored; false means `seal` refuses (and why, in `refusal`). */
  readonly canSeal: boolean;
  /** Why keys cannot be stored, for the error a caller gets. */
  readonly refusal?: string;
  /** The form a private key (PEM) is stored in. */
  seal(privateKeyPem: string): Promise<string>;
  /** The PEM of a stored key; throws when it cannot be opened (another or no MESHPLANE_AUTH_SECRET_KEY). */
  open(stored: string): Promise<string>;
}

const PLAIN = "plain:v1:";

/** Sealing and opening by the functions of functions/auth/secret-box.ts; plain keys of open mode still open. */
export function createSealingKeyVault(box: { seal(text: string): Promise<string>; open(sealed: string): Promise<string> }): KeyVault {
  return {
    canSeal: true,
    seal: (pem) => box.seal(pem),
    open: async (stored) => (stored.startsWith(PLAIN) ? stored.slice(PLAIN.length) : box.open(stored)),
  };
}

/** Open local mode without a sealing key: keys are stored as they are (the entry warns at start). */
export function createPlainKeyVault(): KeyVault {
  return {
    canSeal: true,
    seal: async (pem) => PLAIN + pem,
    async open(stored) {
      if (!stored.startsWith(PLAIN)) throw new Error("this key is sealed: set MESHPLANE_AUTH_SECRET_KEY to the key it was sealed with");
      return stored.slice(PLAIN.length);
    },
  };
}

/** Authentication on and no sealing key: private keys are refused rather than stored in the clear. */
export function createRefusingKeyVault(): KeyVault {
  const refusal = "meshplane keeps private keys only sealed: set MESHPLANE_AUTH_SECRET_KEY to create or import certificates and certificate authorities.";
  return {
    canSeal: false,
    refusal,
    seal: async () => {
      throw new Error(refusal);
    },
    open: async (stored) => {
      if (stored.startsWith(PLAIN)) return stored.slice(PLAIN.length);
      throw new Error("this key is sealed: set MESHPLANE_AUTH_SECRET_KEY to the key it was sealed with");
    },
  };
}
