/**
 * Object storage: the caller's buckets, the objects under a prefix, upload a file, download an
 * object. Uploading to a bucket nobody owns yet claims it, as `batchctl oss cp` does.
 */
import { useState } from 'react';
import { ErrorMessage } from '../components/error-message.js';
import { PageTitle } from '../components/page-title.js';
import { formatBytes, formatTime } from '../format.js';
import { useI18n } from '../i18n/i18n.js';
import { saveBlob } from '../save-file.js';
import { useAction, useApi } from '../use-api.js';

interface Place {
  bucket: string;
  prefix: string;
}

export function OssPage() {
  const { t, locale } = useI18n();
  const buckets = useApi('buckets', (c) => c.listBuckets());
  const [bucket, setBucket] = useState('');
  const [prefix, setPrefix] = useState('');
  // What the table shows: set by "List" or an upload, not at every keystroke.
  const [shown, setShown] = useState<Place | undefined>(undefined);
  const objects = useApi(`objects ${JSON.stringify(shown)}`, async (c) =>
    shown ? c.listObjects(`oss://${shown.bucket}/${shown.prefix}`, { limit: 1000 }) : undefined,
  );
  const action = useAction();
  const named = bucket.trim() !== '';
  return (
    <section>
      <PageTitle title={t('oss.title')} />
      <ErrorMessage error={buckets.error ?? objects.error ?? action.error} />
      <form
        className="filters"
        onSubmit={(event) => {
          event.preventDefault();
          setShown({ bucket: bucket.trim(), prefix });
        }}
      >
        <label>
          {t('oss.bucket')}
          <input
            list="oss-buckets"
            value={bucket}
            onChange={(event) => {
              setBucket(event.target.value);
            }}
          />
          <datalist id="oss-buckets">
            {(buckets.data?.items ?? []).map((b) => (
              <option key={b.name} value={b.name} />
            ))}
          </datalist>
        </label>
        <label>
          {t('oss.prefix')}
          <input
            value={prefix}
            onChange={(event) => {
              setPrefix(event.target.value);
            }}
          />
        </label>
        <button type="submit" disabled={!named}>
          {t('oss.list')}
        </button>
        <label className={`button${named ? '' : ' disabled'}`}>
          {t('oss.upload')}
          <input
            type="file"
            className="visually-hidden"
            disabled={!named}
            onChange={(event) => {
              const file = event.target.files?.[0];
              event.target.value = '';
              if (!file || !named) return;
              const place = { bucket: bucket.trim(), prefix };
              void action
                .run((c) => c.putObject(`oss://${place.bucket}/${place.prefix}${file.name}`, file))
                .then((put) => {
                  if (!put) return;
                  setShown(place);
                  objects.reload();
                  buckets.reload();
                });
            }}
          />
        </label>
      </form>
      {buckets.data?.items.length === 0 && <p className="hint">{t('oss.noBuckets')}</p>}
      {buckets.data && buckets.data.items.length > 0 && (
        <>
          <h2>{t('oss.yourBuckets')}</h2>
          <ul className="bucket-list">
            {buckets.data.items.map((b) => (
              <li key={b.name}>
                <button
                  type="button"
                  className={`link${shown?.bucket === b.name ? ' current' : ''}`}
                  aria-label={t('oss.listBucket', { bucket: b.name })}
                  aria-pressed={shown?.bucket === b.name}
                  onClick={() => {
                    setBucket(b.name);
                    setPrefix('');
                    setShown({ bucket: b.name, prefix: '' });
                  }}
                >
                  {b.name}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {shown && (
        <h2>
          <code>{`oss://${shown.bucket}/${shown.prefix}`}</code>
        </h2>
      )}
      {objects.data && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('oss.key')}</th>
              <th scope="col">{t('oss.size')}</th>
              <th scope="col">{t('oss.modified')}</th>
              <th scope="col">{t('jobs.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {objects.data.items.map((object) => (
              <tr key={object.key}>
                <td>
                  <code>{object.key}</code>
                </td>
                <td>{formatBytes(object.size)}</td>
                <td>{formatTime(object.lastModified, locale)}</td>
                <td>
                  <button
                    type="button"
                    aria-label={t('oss.downloadObject', { key: object.key })}
                    onClick={() => {
                      void action.run(async (c) => {
                        const parts: BlobPart[] = [];
                        for await (const chunk of await c.getObject(object.url))
                          parts.push(chunk as Uint8Array<ArrayBuffer>);
                        saveBlob(new Blob(parts), object.key.split('/').pop() || 'object');
                      });
                    }}
                  >
                    {t('action.download')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {objects.data?.items.length === 0 && <p className="empty">{t('oss.empty')}</p>}
    </section>
  );
}
