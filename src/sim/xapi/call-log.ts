// ReportCallLogData/Pbx.GetCallLogData(...): the U6+ call log, with 3CX's strict path parameters.
import { ENTITY_TYPES } from '../entities.ts';
import { odataError, type Reply } from '../reply.ts';
import { collectionReply, type XapiContext } from './collections.ts';

/** 3CX's REPORT_ROW_LIMIT default (3cx-xapi.md §3.6). */
const REPORT_ROW_LIMIT = 20_000;

const CALL_LOG_PARAMS = [
  'periodFrom',
  'periodTo',
  'sourceType',
  'sourceFilter',
  'destinationType',
  'destinationFilter',
  'callsType',
  'callTimeFilterType',
  'callTimeFilterFrom',
  'callTimeFilterTo',
  'hidePcalls',
] as const;

function splitParameters(text: string): Map<string, string> {
  const result = new Map<string, string>();
  let current = '';
  let quoted = false;
  const flush = () => {
    const eq = current.indexOf('=');
    if (eq > 0) result.set(current.slice(0, eq).trim(), current.slice(eq + 1).trim());
    current = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'") quoted = !quoted;
    if (c === ',' && !quoted) flush();
    else current += c;
  }
  flush();
  return result;
}

export function getCallLogData(context: XapiContext, argumentText: string, params: URLSearchParams): Reply {
  const args = splitParameters(argumentText);
  // A missing parameter makes the path unknown to 3CX's router: 404. Wrong types reach the function: 500.
  if (CALL_LOG_PARAMS.some((name) => !args.has(name)) || args.size !== CALL_LOG_PARAMS.length) {
    return odataError(
      404,
      `No HTTP resource was found that matches the request URI 'ReportCallLogData/Pbx.GetCallLogData(${argumentText})'.`,
    );
  }
  const from = Date.parse(args.get('periodFrom')!);
  const to = Date.parse(args.get('periodTo')!);
  const ints = ['sourceType', 'destinationType', 'callsType', 'callTimeFilterType'].map((n) => args.get(n)!);
  const strings = ['sourceFilter', 'destinationFilter', 'callTimeFilterFrom', 'callTimeFilterTo'].map((n) =>
    args.get(n)!,
  );
  if (
    Number.isNaN(from) ||
    Number.isNaN(to) ||
    ints.some((v) => !/^-?\d+$/.test(v)) ||
    strings.some((v) => !/^'.*'$/.test(v)) ||
    !['true', 'false'].includes(args.get('hidePcalls')!)
  ) {
    return odataError(500, 'An error has occurred.', '500');
  }
  const unquote = (v: string) => v.slice(1, -1).replace(/''/g, "'");
  const sourceFilter = unquote(args.get('sourceFilter')!);
  const destinationFilter = unquote(args.get('destinationFilter')!);
  const rows = context.calls.callLog
    .filter((row) => {
      const start = Date.parse(row.StartTime ?? '');
      return start >= from && start <= to;
    })
    .filter(
      (row) =>
        !sourceFilter ||
        String(row.SourceDn).includes(sourceFilter) ||
        String(row.SourceCallerId).includes(sourceFilter),
    )
    .filter((row) => !destinationFilter || String(row.DestinationDn).includes(destinationFilter))
    .reverse() // newest first, as 3CX returns it
    .slice(0, REPORT_ROW_LIMIT);
  return collectionReply(
    context,
    'Collection(Pbx.CallLogData)',
    rows,
    params,
    ENTITY_TYPES.CallLogData,
    null,
  );
}
