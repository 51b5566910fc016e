/**
 * `<kunci-p12-maker>`: the download step (docs/ELEMENTS.md). Being written for issue 19.
 */
import { KunciElement, define } from './element-base.js';

export class KunciP12Maker extends KunciElement {
  static texts = {};

  build() {}
}

define('kunci-p12-maker', KunciP12Maker);
