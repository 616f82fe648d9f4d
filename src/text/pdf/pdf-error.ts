// The one error class of PDF extraction, in rfm-lab's error family; `code` says which problem it is.

// The file, not the folder: tslab cannot load a folder's index.ts.
import { RfmLabError } from '../../core/errors';

export type PdfErrorCode = 'missing-file' | 'not-pdf' | 'encrypted' | 'wrong-password' | 'no-text-layer' | 'unreadable';

export class PdfError extends RfmLabError {
  constructor(
    readonly code: PdfErrorCode,
    message: string,
  ) {
    super(message);
  }
}
