import { useLayoutEffect, useRef, useState, type ReactNode } from 'react';

/**
 * Gives a chart its width before the first paint. The charting library's own responsive container
 * measures a frame later, after a render without a chart; on a busy page that frame is expensive.
 */
export function Sized({ height, children, className }: { height: number; className?: string; children: (width: number, height: number) => ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(Math.floor(el.getBoundingClientRect().width));
    const ro = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0]?.contentRect.width ?? 0);
      setWidth((old) => (Math.abs(old - w) >= 1 ? w : old));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return (
    <div ref={ref} className={className} style={{ width: '100%', height }}>
      {width > 0 ? children(width, height) : null}
    </div>
  );
}
