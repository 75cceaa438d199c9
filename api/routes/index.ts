import type { RouteDeps } from '../context';
import type { RouteSpec } from '../routing';
import { seaxCampaignRoutes } from './seax/campaigns';
import { seaxContactRoutes } from './seax/contacts';
import { seaxDialerRoutes } from './seax/dialer';
import { seaxImportRoutes } from './seax/imports';
import { seaxJobRoutes } from './seax/jobs';
import { seaxLogExportRoutes } from './seax/log-exports';
import { seaxKeywordRoutes } from './seax/keywords';
import { seaxKeyRoutes } from './seax/keys';
import { seaxLabelRoutes } from './seax/labels';
import { seaxMessageRoutes } from './seax/messages';
import { seaxNotifyRoutes } from './seax/notify';
import { seaxNotifyExportDownloadRoutes, seaxNotifyExportRoutes } from './seax/notify-exports';
import { seaxPhoneRoutes } from './seax/phones';
import { carrierCallbackRoutes, simulatorRoutes } from './callbacks/carriers';
import { linkRoutes } from './links';
import { healthRoutes, meRoutes } from './system';
import { zagelyAutomationRoutes } from './zagely/automations';
import { zagelyCampaignRoutes } from './zagely/campaigns';
import { zagelyContactRoutes } from './zagely/contacts';
import { zagelyConversationRoutes } from './zagely/conversations';
import { zagelyExportRoutes } from './zagely/exports';
import { zagelyGroupRoutes } from './zagely/groups';
import { zagelyImportRoutes } from './zagely/imports';
import { zagelyLogExportRoutes } from './zagely/log-exports';
import { zagelyKeyRoutes } from './zagely/keys';
import { zagelyMessageRoutes } from './zagely/messages';
import { zagelySessionRoutes } from './zagely/sessions';
import { zagelyTemplateRoutes } from './zagely/templates';
import { zagelyWebhookRoutes } from './zagely/webhooks';

/** Routes that need no key. */
export function publicRouteSpecs(deps: RouteDeps): RouteSpec[] {
  return [
    ...healthRoutes(deps),
    ...linkRoutes(deps),
    ...carrierCallbackRoutes(deps),
    // Simulator phones exist only while the simulator is enabled; so does its inbound route.
    ...(deps.config.SIMULATOR_ENABLED ? simulatorRoutes(deps) : []),
    ...seaxNotifyExportDownloadRoutes(deps),
  ];
}

/** Every authenticated route of both dialects. */
export function protectedRouteSpecs(deps: RouteDeps): RouteSpec[] {
  return [
    ...meRoutes(deps),
    ...seaxJobRoutes(deps),
    ...seaxImportRoutes(deps),
    ...seaxLogExportRoutes(deps),
    ...seaxPhoneRoutes(deps),
    ...seaxKeywordRoutes(deps),
    ...seaxContactRoutes(deps),
    ...seaxLabelRoutes(deps),
    ...seaxKeyRoutes(deps),
    ...seaxMessageRoutes(deps),
    ...seaxCampaignRoutes(deps),
    ...seaxDialerRoutes(deps),
    ...seaxNotifyRoutes(deps),
    ...seaxNotifyExportRoutes(deps),
    ...zagelyExportRoutes(deps),
    ...zagelyImportRoutes(deps),
    ...zagelyLogExportRoutes(deps),
    ...zagelyContactRoutes(deps),
    ...zagelyGroupRoutes(deps),
    ...zagelyKeyRoutes(deps),
    ...zagelySessionRoutes(deps),
    ...zagelyMessageRoutes(deps),
    ...zagelyConversationRoutes(deps),
    ...zagelyAutomationRoutes(deps),
    ...zagelyCampaignRoutes(deps),
    ...zagelyTemplateRoutes(deps),
    ...zagelyWebhookRoutes(deps),
  ];
}
