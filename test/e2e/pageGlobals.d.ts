// Code inside page.evaluate runs in the browser; the test program compiles without the DOM library, so the few
// page globals those callbacks touch are declared here.
interface PageElement {
  src: string;
  contentWindow: { location: { href: string } } | null;
  remove(): void;
}
declare const window: object;
declare const document: { createElement(tag: 'iframe'): PageElement; body: { appendChild(node: PageElement): void } };
