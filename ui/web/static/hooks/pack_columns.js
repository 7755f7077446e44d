// Every column's settings into the one hidden field Run reads; arguments in the order of pack_columns's lists.
(...v) => {
  const n = v.length / 4;
  return JSON.stringify({models: v.slice(0, n), systems: v.slice(n, 2 * n), temperatures: v.slice(2 * n, 3 * n),
                         reasoning: v.slice(3 * n)});
}
