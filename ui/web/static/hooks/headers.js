// Each column's one-line header, rebuilt in the browser from the packed column settings (column_settings.py).
(packed) => {
  let s = {};
  try { s = JSON.parse(packed) || {}; } catch (e) { s = {}; }
  const at = (key, i) => (Array.isArray(s[key]) && typeof s[key][i] === 'string') ? s[key][i] : '';
  return [...Array(__SLOTS__).keys()].map(i => {
    const persona = at('systems', i), temp = at('temperatures', i), reason = at('reasoning', i);
    return [at('models', i).trim() || 'no model',
            !persona || persona === '__SHARED_SYSTEM__' ? 'shared prompt' : persona,
            'temp ' + (temp || '__SHARED_TEMP__'), 'reasoning ' + (reason || '__SHARED_REASON__')].join(' · ');
  });
}
