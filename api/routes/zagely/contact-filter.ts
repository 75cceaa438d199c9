import type { SegmentFilter } from '../../../domain/segment';
import type { Services } from '../../../services';

/** The contact filters Zagely takes, on `GET /api/v1/contacts` (query) and on the contact export (body). */
export interface ZagelyContactFilters {
  search?: string;
  tags?: string[];
  is_blocked?: boolean;
  opted_out?: boolean;
  group_id?: string;
}

/**
 * Zagely contact filters as a segment: the one reading of them, so the list and the export select the same
 * contacts. A group that is not the workspace's is a 422 naming group_id.
 */
export async function zagelyContactSegment(groups: Services['groups'], workspaceId: string, f: ZagelyContactFilters): Promise<SegmentFilter> {
  const filter: SegmentFilter = {
    ...(f.search?.trim() ? { keyword: f.search.trim() } : {}),
    ...(f.tags?.length ? { allLabelNames: f.tags } : {}),
    ...(f.is_blocked !== undefined ? { isBlocked: f.is_blocked } : {}),
    ...(f.opted_out !== undefined ? { optedOut: f.opted_out } : {}),
  };
  if (f.group_id) Object.assign(filter, await groups.segmentOf(workspaceId, f.group_id));
  return filter;
}
