/**
 * A log's text with the agent's setup lines marked: a class for the eye and a visually hidden
 * label for screen readers. React elements only — the log is the command's output, never markup.
 */
import { useMemo } from 'react';
import { useT } from '../i18n/i18n.js';
import { splitSetupLines } from '../log-lines.js';

export function LogText({ text }: { text: string }) {
  const t = useT();
  const segments = useMemo(() => splitSetupLines(text), [text]);
  return (
    <>
      {segments.map((segment, i) =>
        segment.setup ? (
          <span key={i} className="log-setup">
            <span className="visually-hidden">{t('log.setupLine')} </span>
            {segment.text}
          </span>
        ) : (
          segment.text
        ),
      )}
    </>
  );
}
