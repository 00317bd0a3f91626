/** A button for something that cannot be undone: it asks first, in a modal dialog. */
import { useEffect, useRef, useState } from 'react';
import { useT } from '../i18n/i18n.js';

/** "Yes, stop", not "Yes, Stop": the button's label continues the sentence. */
const lowerFirst = (label: string) => label.charAt(0).toLocaleLowerCase() + label.slice(1);

export function ConfirmButton({
  label,
  question,
  onConfirm,
  danger = false,
  disabled = false,
}: {
  label: string;
  question: string;
  onConfirm: () => void | Promise<void>;
  danger?: boolean;
  disabled?: boolean;
}) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const triggerRef = useRef<HTMLButtonElement>(null);
  const close = () => {
    setOpen(false);
    // Back where the keyboard was before the dialog opened.
    triggerRef.current?.focus();
  };
  useEffect(() => {
    if (open) confirmRef.current?.focus();
  }, [open]);
  return (
    <>
      <button
        ref={triggerRef}
        type="button"
        className={danger ? 'danger' : undefined}
        disabled={disabled}
        onClick={() => {
          setOpen(true);
        }}
      >
        {label}
      </button>
      {open && (
        <div className="modal-backdrop">
          <div
            className="modal"
            role="alertdialog"
            aria-modal="true"
            aria-label={label}
            onKeyDown={(event) => {
              if (event.key === 'Escape') close();
            }}
          >
            <p>{question}</p>
            <div className="modal-actions">
              <button type="button" onClick={close}>
                {t('action.cancel')}
              </button>
              <button
                type="button"
                ref={confirmRef}
                className={danger ? 'danger' : 'primary'}
                onClick={() => {
                  close();
                  void onConfirm();
                }}
              >
                {t('action.confirm', { action: lowerFirst(label) })}
              </button>
            </div>
          </div>
        </div>
      )}
    </>
  );
}
