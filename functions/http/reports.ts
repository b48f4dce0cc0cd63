/**
 * Daily reports for operators (API.md "Reports"): pre-aggregated per day and shard by
 * the event publisher, read here by key for at most 92 days, as JSON or CSV.
 */
import { DomainError } from '../core/errors.js';
import { dayReport, daysBetween, daysCsv, MAX_REPORT_DAYS } from '../core/reports.js';
import { readReportShards } from '../adapters/reports.js';
import { reportTimezone } from '../core/config.js';
import { validation } from './contract.js';
import { httpHandler, json, route } from './http-handler.js';


async function days(query: { from: string; to: string }) {
  if (query.from > query.to) throw new DomainError('VALIDATION_ERROR', '`from` is after `to`', [{ path: 'query.from', message: 'must not be after to' }]);
  const dates = daysBetween(query.from, query.to);
  if (dates.length > MAX_REPORT_DAYS) throw new DomainError('VALIDATION_ERROR', `A report covers at most ${MAX_REPORT_DAYS} days`, [{ path: 'query.to', message: `at most ${MAX_REPORT_DAYS} days after from` }]);
  const shards = await readReportShards(dates);
  return dates.map((date) => dayReport(date, shards.get(date) ?? []));
}

export const handler = httpHandler({
  'GET /ops/reports/daily': route({
    ...validation('GET /ops/reports/daily'),
    async handle({ query }) {
      return json(200, { timezone: reportTimezone(), days: await days(query) });
    },
  }),
  'GET /ops/reports/daily.csv': route({
    ...validation('GET /ops/reports/daily.csv'),
    async handle({ query }) {
      return { status: 200, text: daysCsv(await days(query)), headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="orders-${query.from}-${query.to}.csv"` } };
    },
  }),
});
