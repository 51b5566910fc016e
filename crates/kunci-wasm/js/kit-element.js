/**
 * `<kunci-client-kit>`: the key step (docs/ELEMENTS.md). Being written for issue 19.
 */
import { KunciElement, define } from './element-base.js';

export class KunciClientKit extends KunciElement {
  static texts = {};

  build() {}
}

define('kunci-client-kit', KunciClientKit);
