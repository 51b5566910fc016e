// kunci's custom elements in a React 19 page. React 19 passes a custom element's props that
// the element defines (`holder`, `strings`) as properties and every other as an attribute,
// and turns `on<event-name>` props into listeners of exactly that event (`onkunci-error`
// listens to kunci-error). A ref reaches the element itself when the page needs it.
import 'kunci/elements';
import { useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';

const HOLDER = { name: 'Budi Santoso', email: 'budi@example.go.id', organization: 'Dinas Kominfo' };

function KeyStep({ lang, onCsr, onError }) {
  return (
    <kunci-client-kit
      lang={lang}
      subject="CN=Budi Santoso,O=Dinas Kominfo,C=ID"
      email="budi@example.go.id"
      algorithms="p256 rsa2048"
      no-token=""
      holder={HOLDER}
      onkunci-submit={(e) => e.detail.respondWith(Promise.resolve({ kept: 'in React state' }))}
      onkunci-done={(e) => onCsr(e.detail.csr)}
      onkunci-error={(e) => onError(e.detail)}
    />
  );
}

function App() {
  const [lang, setLang] = useState('id');
  const [csr, setCsr] = useState(null);
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(null);
  const maker = useRef(null);
  // Once the CSR is made, the download step is next: the ref reaches the element to show it.
  useEffect(() => {
    if (csr) maker.current?.scrollIntoView({ block: 'start' });
  }, [csr]);
  return (
    <main>
      <h1>kunci elements + React</h1>
      <button type="button" onClick={() => setLang(lang === 'id' ? 'en' : 'id')}>
        {lang === 'id' ? 'English' : 'Bahasa Indonesia'}
      </button>
      <KeyStep lang={lang} onCsr={setCsr} onError={setError} />
      <p id="last-error" role="status">{error ? `kunci-error: ${error.code}` : ''}</p>
      {csr && <pre id="csr">{csr}</pre>}
      <kunci-p12-maker
        ref={maker}
        lang={lang}
        no-token=""
        holder={HOLDER}
        onkunci-done={(e) => setSaved(`${e.detail.serial} (${e.detail.profile})`)}
        onkunci-error={(e) => setError(e.detail)}
      />
      {saved && <p id="saved">kunci-done: {saved}</p>}
    </main>
  );
}

createRoot(document.getElementById('root')).render(<App />);
