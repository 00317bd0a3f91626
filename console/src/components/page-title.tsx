/** A page's heading, with the actions that belong to the whole page on its right. */
import type { ReactNode } from 'react';

export function PageTitle({ title, children }: { title: ReactNode; children?: ReactNode }) {
  return (
    <div className="page-title">
      <h1>{title}</h1>
      {children && <div className="page-actions">{children}</div>}
    </div>
  );
}
