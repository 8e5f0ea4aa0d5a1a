import type { AllEntities, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

/** Every resource of the node and its operations: the `value`s of the Resource and Operation options. */
type NodeMap = {
	video: 'publish' | 'list' | 'get';
	photo: 'publish';
	post: 'getStatus';
	creator: 'getInfo' | 'getStats';
};

export type TikTokResource = keyof NodeMap;

/** One `{ resource, operation }` pair the node offers. */
export type TikTokType = AllEntities<NodeMap>;

/** What each `<operation>.operation.ts` exports for the router. */
export interface Operation {
	execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]>;
}

/** The router's table: the compiler checks that every pair of NodeMap has an operation, and no other. */
export type OperationTable = { [R in TikTokResource]: Record<NodeMap[R], Operation> };
