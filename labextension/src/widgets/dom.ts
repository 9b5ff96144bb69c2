/** A small helper to build DOM nodes for the panel's plain (non-React) widgets. */

type Child = Node | string | null | undefined | false;

/** An element with attributes (`class`, `title`, `data-*`, ...) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined) {
      element.setAttribute(name, value);
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    element.append(child);
  }
  return element;
}

/** A toolbar button showing `icon` (an element) with a tooltip. */
export function iconButton(
  icon: HTMLElement,
  title: string,
  className: string,
  onClick: () => void
): HTMLButtonElement {
  const button = h(
    'button',
    {
      class: `jp-Button jp-mod-minimal jp-ToolbarButtonComponent hpc-Button ${className}`,
      title,
      'aria-label': title,
      type: 'button'
    },
    icon
  );
  button.addEventListener('click', event => {
    event.stopPropagation();
    onClick();
  });
  return button;
}
