import { Args, Flags } from '@oclif/core';
import { basename } from 'node:path';
import type { ModelInfo } from '../../../client/trainer-client.js';
import { BaseCommand } from '../../base-command.js';

export default class ModelsUpload extends BaseCommand {
  static description = 'Upload a model file to the registry (streamed; a progress bar on a terminal).';

  static examples = ['<%= config.bin %> models upload ./resnet.pth --name resnet-v2'];

  static args = { file: Args.string({ description: 'The model file', required: true }) };

  static flags = {
    name: Flags.string({ char: 'n', description: 'Registry name (default: the file name without its extension)' }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(ModelsUpload);
    const name = flags.name ?? stem(args.file);
    const bar = this.progress(`Uploading ${name}`);
    const model = await this.clientFor(flags).upload<ModelInfo & { message: string }>('/api/v1/models', { model_name: name }, {}, args.file, (done, total) =>
      bar.update(done, total),
    );
    bar.finish();
    this.log(`${model.message} (${model.size_mb} MB, sha256 ${model.sha256?.slice(0, 12) ?? '-'})`);
    return model;
  }
}

/** `resnet.v2.pth` → `resnet.v2`; `data.tar.gz` → `data`. */
export function stem(path: string): string {
  const name = basename(path);
  const match = /(\.tar\.(?:gz|bz2|xz|zst)|\.[A-Za-z0-9]{1,16})$/.exec(name);
  return match && match.index > 0 ? name.slice(0, match.index) : name;
}
