/** Object storage: the caller's buckets, objects under a prefix, upload a file, download an object. */
import { useState } from 'react';
import { ErrorMessage } from '../components/error-message.js';
import { PageTitle } from '../components/page-title.js';
import { formatBytes, formatTime } from '../format.js';
import { useI18n } from '../i18n/i18n.js';
import { saveBlob } from '../save-file.js';
import { useAction, useApi } from '../use-api.js';

export function OssPage() {
  const { t, locale } = useI18n();
  const buckets = useApi('buckets', (c) => c.listBuckets());
  const [bucket, setBucket] = useState('');
  const [prefix, setPrefix] = useState('');
  const [shownPrefix, setShownPrefix] = useState('');
  const base = bucket ? `oss://${bucket}/` : '';
  const objects = useApi(`objects ${base}${shownPrefix}`, async (c) =>
    base ? c.listObjects(`${base}${shownPrefix}`, { limit: 1000 }) : undefined,
  );
  const action = useAction();
  return (
    <section>
      <PageTitle title={t('oss.title')} />
      <ErrorMessage error={buckets.error ?? objects.error ?? action.error} />
      <form
        className="filters"
        onSubmit={(event) => {
          event.preventDefault();
          setShownPrefix(prefix);
        }}
      >
        <label>
          {t('oss.bucket')}
          <select
            value={bucket}
            onChange={(event) => {
              setBucket(event.target.value);
            }}
          >
            <option value="">—</option>
            {(buckets.data?.items ?? []).map((b) => (
              <option key={b.name} value={b.name}>
                {b.name}
              </option>
            ))}
          </select>
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
        <button type="submit" disabled={!bucket}>
          {t('oss.list')}
        </button>
        <label className={`button${bucket ? '' : ' disabled'}`}>
          {t('oss.upload')}
          <input
            type="file"
            className="visually-hidden"
            disabled={!bucket}
            onChange={(event) => {
              const file = event.target.files?.[0];
              event.target.value = '';
              if (!file || !base) return;
              void action.run((c) => c.putObject(`${base}${shownPrefix}${file.name}`, file)).then(objects.reload);
            }}
          />
        </label>
      </form>
      {buckets.data?.items.length === 0 && <p className="empty">{t('oss.noBuckets')}</p>}
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
