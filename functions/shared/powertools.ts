/** Logger and metrics singletons (Powertools), one per container. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'orders' });
export const metrics = new Metrics({ namespace: 'Orders', serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'orders' });
