// One model folder (local-train's output_dir or one of its checkpoints) as the models the inference routes answer
// with: listed and answered under one name, as vLLM's --served-model-name does.
import { getEncoding } from '../tokens/encoding.ts';
import type { LoadedModel } from './generate.ts';
import { readModelFolder } from './hf-run/model-folder.ts';
import { ApiError } from './http.ts';
import type { DeletedModel, ModelObject } from './model-registry.ts';
import type { ModelSource } from './routes/types.ts';

/** The owner GET /models names. */
const OWNER = 'tunefile';

/** A loaded model folder served as `name`. */
export class FolderModel implements ModelSource {
  private readonly model: LoadedModel;
  private readonly object: ModelObject;

  private constructor(model: LoadedModel, created: number) {
    this.model = model;
    this.object = { id: model.name, object: 'model', created, owned_by: OWNER };
  }

  /** Loads `dir` (a ModelFolderError when it holds no model local-train wrote); `created` is the listed Unix time. */
  static async open(dir: string, name: string, created: number): Promise<FolderModel> {
    const { meta, weights } = readModelFolder(dir);
    const encoder = await getEncoding(meta.encoding);
    return new FolderModel({ name, meta, weights, encoder, labelTokens: meta.classes.map((label) => encoder.encodeOrdinary(label)) }, created);
  }

  list(): ModelObject[] {
    return [this.object];
  }

  retrieve(id: string): ModelObject {
    if (id !== this.object.id) throw this.notFound(id);
    return this.object;
  }

  load(name: string): Promise<LoadedModel> {
    if (name !== this.object.id) return Promise.reject(this.notFound(name));
    return Promise.resolve(this.model);
  }

  delete(id: string): DeletedModel {
    if (id !== this.object.id) throw this.notFound(id);
    throw new ApiError(400, `The model \`${id}\` is the model folder this server was started with; it cannot be deleted through the API.`, { param: 'model', code: 'model_not_deletable' });
  }

  private notFound(name: string): ApiError {
    return new ApiError(404, `The model \`${name}\` does not exist; this server serves one model, \`${this.object.id}\`.`, { param: 'model', code: 'model_not_found' });
  }
}
