/** The console's entry: providers around the app, mounted into index.html's #root. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import './styles.css';
import { App } from './app.js';
import { I18nProvider } from './i18n/i18n.js';
import { RouterProvider } from './router.js';
import { SessionProvider } from './session.js';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <I18nProvider>
      <RouterProvider>
        <SessionProvider>
          <App />
        </SessionProvider>
      </RouterProvider>
    </I18nProvider>
  </StrictMode>,
);
