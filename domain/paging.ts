/** Page numbering (`page` from 1, `per_page` rows) as the limit and offset queries take. */
export const pageWindow = (p: { page: number; per_page: number }) => ({ limit: p.per_page, offset: (p.page - 1) * p.per_page });
