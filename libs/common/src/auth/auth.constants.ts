export const IS_PUBLIC_KEY = 'auth:public';
export const ROLES_KEY = 'auth:roles';
