// The one error class of PDF extraction; `code` says which problem it is.

export type PdfErrorCode = 'missing-file' | 'not-pdf' | 'encrypted' | 'wrong-password' | 'no-text-layer' | 'unreadable';

export class PdfError extends Error {
  constructor(readonly code: PdfErrorCode, message: string) {
    super(message);
    this.name = 'PdfError';
  }
}
