// Page numbers as printed: arabic digits or a roman numeral (all lowercase or all capitals).

const ROMAN = /^(?=[mdclxvi])m{0,3}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$/;

export function isRomanNumeral(word: string): boolean {
  return (word === word.toLowerCase() || word === word.toUpperCase()) && ROMAN.test(word.toLowerCase());
}

/** The value of the first number in `text`: its digits, or else its roman numeral; null when it has neither. */
export function numberValue(text: string): { value: number; roman: boolean } | null {
  const digits = /\d+/.exec(text);
  if (digits) return { value: Number(digits[0]), roman: false };
  const letters = /\b[ivxlcdm]+\b/i.exec(text);
  if (!letters || !isRomanNumeral(letters[0])) return null;
  const values: Record<string, number> = { i: 1, v: 5, x: 10, l: 50, c: 100, d: 500, m: 1000 };
  const symbols = letters[0]
    .toLowerCase()
    .split('')
    .map((ch) => values[ch]);
  const value = symbols.reduce((sum, v, i) => sum + (v < (symbols[i + 1] ?? 0) ? -v : v), 0);
  return { value, roman: true };
}
