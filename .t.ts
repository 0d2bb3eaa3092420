import { buildFunctionImage } from './src/image/index.ts';
const r = await buildFunctionImage({ script: '/tmp/fn/reverse.sh', baseImage: 'pf-bash/base:bookworm-node24', tag: 'pf-bash-test/smoke:1' });
console.log(r.id);
