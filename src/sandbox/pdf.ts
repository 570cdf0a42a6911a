import { toLocalDateTime } from '../time.js';
import type { SandboxBill } from './bills.js';
import type { SandboxAccount } from './accounts.js';

/**
 * A one-page PDF statement for a bill: a valid PDF 1.4 file (catalog, page, Helvetica text,
 * cross-reference table) with no timestamps or random ids, so the same bill always gives the
 * same bytes.
 */

function localDate(at: number): string {
  const { year, month, day } = toLocalDateTime(at);

  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function dollars(cents: number): string {
  return `$${(cents / 100).toFixed(2)}`;
}

/** Escapes a line for a PDF literal string; anything outside printable ASCII becomes '?'. */
function pdfString(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').replace(/[\\()]/g, (character) => `\\${character}`);
}

function usageLine(label: string, units: number | null, unit: string): string | undefined {
  return units === null ? undefined : `${label}: ${(units / 10_000).toFixed(4)} ${unit}`;
}

function statementLines(bill: SandboxBill, account: SandboxAccount): string[] {
  const lines = [
    `${account.utility.fullName} - Pelm sandbox statement`,
    `Bill ${bill.id}`,
    `Account ${account.accountNumber}`,
    `Service address: ${account.address}`,
    `Service period: ${localDate(bill.startDate)} to ${localDate(bill.endDate)}`,
    `Statement date: ${localDate(bill.statementDate)}`,
    `Due date: ${localDate(bill.dueDate)}`,
    usageLine('Electric usage', bill.electricUnits, 'kWh'),
    usageLine('Gas usage', bill.gasUnits, 'therm'),
    `Electric charges: ${dollars(bill.electricCents)}`,
    `Gas charges: ${dollars(bill.gasCents)}`,
    `Other charges: ${dollars(bill.otherCents)}`,
    `Total amount due: ${dollars(bill.totalCents)}`,
  ];

  return lines.filter((line): line is string => line !== undefined);
}

/** The statement of `bill` as PDF bytes. */
export function billPdf(bill: SandboxBill, account: SandboxAccount): Buffer {
  const text = statementLines(bill, account)
    .map((line, index) => `${index === 0 ? '' : '0 -18 Td '}(${pdfString(line)}) Tj`)
    .join('\n');
  const content = `BT\n/F1 11 Tf\n72 740 Td\n${text}\nET\n`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] ' +
      '/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}endstream`,
  ];

  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xrefOffset = Buffer.byteLength(body, 'latin1');
  // Each cross-reference entry is exactly 20 bytes, the two-character end of line included.
  const entries = offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`);
  body +=
    `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${entries.join('')}` +
    `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xrefOffset}\n%%EOF\n`;

  return Buffer.from(body, 'latin1');
}
